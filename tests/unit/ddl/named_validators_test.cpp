// The named validators one by one, as the Choria plugins define them.
#include "core/ddl/named_validators.hpp"

#include <gtest/gtest.h>

#include <re2/re2.h>

namespace drover::ddl {
namespace {

bool passes(std::string_view validator, std::string_view value) {
  NamedCheck check = findNamedValidator(validator);
  EXPECT_NE(check, nullptr) << validator;
  return check != nullptr && !check(value).has_value();
}

std::string why(std::string_view validator, std::string_view value) {
  return findNamedValidator(validator)(value).value_or("(passed)");
}

TEST(DdlNamedValidators, KnownNames) {
  for (auto name : namedValidatorNames()) EXPECT_NE(findNamedValidator(name), nullptr) << name;
  EXPECT_EQ(findNamedValidator("regex"), nullptr);
  EXPECT_EQ(findNamedValidator("Shellsafe"), nullptr);
}

TEST(DdlNamedValidators, NameOrRegex) {
  EXPECT_TRUE(isValidatorName("shellsafe"));
  EXPECT_TRUE(isValidatorName("puppet_server_address"));
  EXPECT_TRUE(isValidatorName("ipv4address"));
  EXPECT_FALSE(isValidatorName("^shellsafe$"));
  EXPECT_FALSE(isValidatorName(".+"));
  EXPECT_FALSE(isValidatorName("[a-z]+"));
  EXPECT_FALSE(isValidatorName("Abc"));
  EXPECT_FALSE(isValidatorName("a b"));
  EXPECT_FALSE(isValidatorName(""));
}

TEST(DdlNamedValidators, CompileRegex) {
  auto regex = compileValidationRegex("^\\w+$");
  EXPECT_TRUE(re2::RE2::FullMatch("abc_1", *regex));
  EXPECT_THROW(compileValidationRegex("[z-a]"), std::invalid_argument) << "bad range";
  EXPECT_THROW(compileValidationRegex("(?=x)"), std::invalid_argument) << "lookahead";
}

TEST(DdlNamedValidators, PuppetVariable) {
  EXPECT_TRUE(passes("puppet_variable", "production"));
  EXPECT_TRUE(passes("puppet_variable", "feature_42"));
  EXPECT_TRUE(passes("puppet_variable", "x"));
  EXPECT_FALSE(passes("puppet_variable", "_"));  // one character must be a letter
  EXPECT_FALSE(passes("puppet_variable", ""));
  EXPECT_FALSE(passes("puppet_variable", "prod-1"));
  EXPECT_FALSE(passes("puppet_variable", "../etc"));
  EXPECT_EQ(why("puppet_variable", "prod-1"), "is not a valid Puppet variable name");
  EXPECT_EQ(why("puppet_variable", "a$b"), "contains '$'");
}

TEST(DdlNamedValidators, PuppetTags) {
  EXPECT_TRUE(passes("puppet_tags", "apache"));
  EXPECT_TRUE(passes("puppet_tags", "apache,ntp::config,x"));
  EXPECT_FALSE(passes("puppet_tags", "apache,,ntp"));
  EXPECT_FALSE(passes("puppet_tags", "ntp:::config"));
  EXPECT_FALSE(passes("puppet_tags", "a b"));
  EXPECT_EQ(why("puppet_tags", "ok,bad-tag"), "tag 'bad-tag' is not a valid Puppet tag");
  EXPECT_EQ(why("puppet_tags", "a|b"), "contains '|'");
}

TEST(DdlNamedValidators, PuppetServerAddress) {
  for (const char* good : {"puppet", "puppet.example.com", "puppet.example.com:8140", "10.0.0.1",
                           "10.0.0.1:8140", "fe80::1", "[fe80::1]:8140", "[::1]", "a-b.c1"}) {
    EXPECT_TRUE(passes("puppet_server_address", good)) << good;
  }
  for (const char* bad :
       {"", "-puppet", "puppet-", "pup_pet", "puppet.", "1puppet", "puppet:http", "puppet:0",
        "puppet:65536", "puppet:", "[fe80::1", "[fe80::1]8140", "a:b:c", "host/path"}) {
    EXPECT_FALSE(passes("puppet_server_address", bad)) << bad;
  }
  EXPECT_EQ(why("puppet_server_address", "puppet:99999"), "port '99999' is not a valid port");
  EXPECT_EQ(why("puppet_server_address", "pup_pet:8140"),
            "host 'pup_pet' is not a valid hostname or IP address");
  EXPECT_EQ(why("puppet_server_address", "puppet;id"), "contains ';'");
}

// choria-plugins/nettest-agent: spec/validator/nettest_fqdn_validator_spec.rb and the
// hostname regex of validator/nettest_fqdn.rb.
TEST(DdlNamedValidators, NettestFqdn) {
  for (const char* good :
       {"1.2.3.4", "host1.example.com", "exmaple.com", "localhost", "a", "a-b.c9", "X.Y"}) {
    EXPECT_TRUE(passes("nettest_fqdn", good)) << good;
  }
  for (const char* bad : {"not a hostname", "", "1host.example.com", "host-.example.com", "-host",
                          "host..example.com", "host.example.com.", "1.2.3.256", "1.2.3", "::1",
                          "host_1", "host\n", "host;id", "10.0.0.0/8"}) {
    EXPECT_FALSE(passes("nettest_fqdn", bad)) << bad;
  }
  EXPECT_FALSE(passes("nettest_fqdn", std::string_view("host\0.example.com", 17)));
  EXPECT_EQ(why("nettest_fqdn", "a b"), "is not an IPv4 address or a hostname");
}

TEST(DdlNamedValidators, ServiceAndPackageNames) {
  EXPECT_TRUE(passes("service_name", "nginx"));
  EXPECT_TRUE(passes("service_name", "getty@tty1.service"));
  EXPECT_TRUE(passes("service_name", "a:b-c_d.e9"));
  EXPECT_FALSE(passes("service_name", ""));
  EXPECT_FALSE(passes("service_name", "nginx; reboot"));
  EXPECT_FALSE(passes("service_name", "../../bin/sh"));
  EXPECT_EQ(why("service_name", "a b"), "is not a valid service name");
  EXPECT_TRUE(passes("package_name", "libssl3.0-dev_x"));
  EXPECT_FALSE(passes("package_name", "vim@1"));
  EXPECT_TRUE(passes("package_name", "-"));  // only the characters count, as in the plugin
  EXPECT_EQ(why("package_name", "a b"), "is not a valid package name");
}

}  // namespace
}  // namespace drover::ddl
