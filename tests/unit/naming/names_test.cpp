// Service names: what is a valid service and host name (each refusal names what was
// wrong), names formatted and parsed back, declarations read from JSON.
#include "core/naming/names.hpp"

#include <gtest/gtest.h>

namespace drover::naming {
namespace {

struct Refusal {
  std::string text;
  std::string says;  // a part of the error text
};

class ServiceRefused : public testing::TestWithParam<Refusal> {};
TEST_P(ServiceRefused, NamesWhatIsWrong) {
  std::string error = checkService(GetParam().text);
  EXPECT_NE(error.find(GetParam().says), std::string::npos) << error;
}
INSTANTIATE_TEST_SUITE_P(
    Names, ServiceRefused,
    testing::Values(Refusal{"", "empty"}, Refusal{"Db", "upper case 'D'"},
                    Refusal{"web--api", "'--'"}, Refusal{"web-", "ends with '-'"},
                    Refusal{"9web", "start with a letter"}, Refusal{"-web", "start with a letter"},
                    Refusal{"web_api", "'_'"}, Refusal{"web.api", "'.'"},
                    Refusal{"we b", "'\\x20'"}, Refusal{std::string(41, 'a'), "41 characters"}));

TEST(Services, ValidOnesPass) {
  for (const char* service : {"db", "a", "api-gw", "web2", "x1-y2-z3"}) {
    EXPECT_EQ(checkService(service), "") << service;
  }
  EXPECT_EQ(checkService(std::string(40, 'a')), "");
}

class HostNameRefused : public testing::TestWithParam<Refusal> {};
TEST_P(HostNameRefused, NamesWhatIsWrong) {
  std::string error = checkHostName(GetParam().text);
  EXPECT_NE(error.find(GetParam().says), std::string::npos) << error;
}
INSTANTIATE_TEST_SUITE_P(
    Names, HostNameRefused,
    testing::Values(Refusal{"", "empty"}, Refusal{"Mongo", "upper case 'M'"},
                    Refusal{"a..b", "empty label"}, Refusal{"mongo.", "empty label"},
                    Refusal{"-mongo", "'-mongo'"}, Refusal{"db.-x.org", "'-x'"},
                    Refusal{"mongo-", "'mongo-'"}, Refusal{"a b", "'a b'"},
                    Refusal{std::string(64, 'a'), "64 characters"},
                    Refusal{std::string(127, 'a') + "." + std::string(127, 'b'),
                            "255 characters"}));

TEST(HostNames, ValidOnesPass) {
  for (const char* name : {"mongo", "db.example.org", "9lives", "a-b.c-d", "x"}) {
    EXPECT_EQ(checkHostName(name), "") << name;
  }
  EXPECT_EQ(checkHostName(std::string(63, 'a') + ".org"), "");
}

TEST(Names, FormattedByTypeAndNumber) {
  EXPECT_EQ(nameOf("db", ServiceType::Masterful, 0), "db-master");
  EXPECT_EQ(nameOf("db", ServiceType::Masterful, 2), "db-slave-2");
  EXPECT_EQ(nameOf("web", ServiceType::Iterative, 0), "web-0");
  EXPECT_EQ(nameOf("web", ServiceType::Iterative, 17), "web-17");
}

TEST(Names, ParseIsTheInverseOfFormat) {
  for (const std::string service : {"db", "api-gw", "master", "slave", "a1"}) {
    for (auto type : {ServiceType::Masterful, ServiceType::Iterative}) {
      for (int n : {0, 1, 9, 10, 123, kMaxNumber}) {
        std::string name = nameOf(service, type, n);
        EXPECT_EQ(parseName(name), (ParsedName{service, type, n})) << name;
      }
    }
  }
}

TEST(Names, ParseReadsServiceTypeAndNumber) {
  EXPECT_EQ(parseName("web-slave-3"), (ParsedName{"web", ServiceType::Masterful, 3}));
  EXPECT_EQ(parseName("db-master"), (ParsedName{"db", ServiceType::Masterful, 0}));
  EXPECT_EQ(parseName("web-7"), (ParsedName{"web", ServiceType::Iterative, 7}));
  EXPECT_EQ(parseName("api-gw-12"), (ParsedName{"api-gw", ServiceType::Iterative, 12}));
}

TEST(Names, ParseRefusesWhatIsNoName) {
  for (const char* text : {"db-slave-03", "web-07", "web-00", "db-slave-0", "Web-1", "db-Master",
                           "web--1", "web-", "-1", "web", "web-100000", "web-1x", "web-+1",
                           "web--master", "-master", "db-slave-", "9a-1", "web-master-", ""}) {
    EXPECT_FALSE(parseName(text).has_value()) << text;
  }
}

TEST(Names, FqdnAddsTheDomainWhenThereIsOne) {
  EXPECT_EQ(fqdnOf("db-master", "example.internal"), "db-master.example.internal");
  EXPECT_EQ(fqdnOf("db-master", ""), "db-master");
}

TEST(ServiceTypes, ReadAndWritten) {
  EXPECT_EQ(serviceTypeFrom("masterful"), ServiceType::Masterful);
  EXPECT_EQ(serviceTypeFrom("iterative"), ServiceType::Iterative);
  EXPECT_FALSE(serviceTypeFrom("Masterful").has_value());
  EXPECT_EQ(toString(ServiceType::Masterful), "masterful");
  EXPECT_EQ(toString(ServiceType::Iterative), "iterative");
}

TEST(Declarations, RoundTripThroughJson) {
  Declaration declaration{"db", ServiceType::Masterful, {"mongo", "data.example.org"}};
  EXPECT_EQ(declarationFrom(toJson(declaration)), declaration);
  EXPECT_EQ(declarationFrom(Json{{"service", "web"}}),
            (Declaration{"web", ServiceType::Iterative, {}}));
  Json registration{{"service", "web"}, {"name", "web-3"}, {"hosts_version", 4}};
  EXPECT_EQ(declarationFrom(registration).service, "web") << "other keys are not a declaration's";
}

TEST(Declarations, RefusedNamingTheKeyOrValue) {
  auto refused = [](const Json& json, const std::string& says) {
    try {
      declarationFrom(json);
      ADD_FAILURE() << "accepted " << json.dump();
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(says), std::string::npos) << error.what();
    }
  };
  refused(Json::array(), "object");
  refused(Json::object(), "naming.service");
  refused(Json{{"service", 3}}, "naming.service");
  refused(Json{{"service", "DB"}}, "'DB'");
  refused(Json{{"service", "db"}, {"type", "primary"}}, "'primary'");
  refused(Json{{"service", "db"}, {"aliases", "mongo"}}, "naming.aliases");
  refused(Json{{"service", "db"}, {"aliases", {"mongo", 4}}}, "naming.aliases[1]");
  refused(Json{{"service", "db"}, {"aliases", {"Mongo"}}}, "'Mongo'");
}

TEST(Declarations, CheckNamesTheBadAlias) {
  EXPECT_EQ(checkDeclaration({"db", ServiceType::Masterful, {"mongo"}}), "");
  auto says = [](const Declaration& declaration, const std::string& part) {
    std::string error = checkDeclaration(declaration);
    EXPECT_NE(error.find(part), std::string::npos) << error;
  };
  says({"db", ServiceType::Masterful, {"db-slave-2"}}, "'db-slave-2'");
  says({"db", ServiceType::Masterful, {"db-3"}}, "'db-3'");
  says({"db", ServiceType::Masterful, {"mongo", "mongo"}}, "'mongo' is listed twice");
  says({"db", ServiceType::Masterful, std::vector<std::string>(17, "x")}, "17 aliases");
  // Its names would read back as masterful `web` slaves.
  says({"web-slave", ServiceType::Iterative, {}}, "'web-slave'");
  EXPECT_EQ(checkDeclaration({"web-slave", ServiceType::Masterful, {}}), "");
}

}  // namespace
}  // namespace drover::naming
