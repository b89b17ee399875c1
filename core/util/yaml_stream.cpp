#include "core/util/yaml_stream.hpp"

#include <optional>
#include <sstream>
#include <vector>

#include <yaml-cpp/eventhandler.h>

namespace drover::util {
namespace {

// Where each document of a stream starts, and where its root node is.
class DocumentMarks : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    std::optional<YAML::Mark> root;
  };
  std::vector<Document> documents;

  void OnDocumentStart(const YAML::Mark& mark) override { documents.push_back({mark, {}}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (!documents.back().root) documents.back().root = mark;
  }
};

std::vector<DocumentMarks::Document> scanDocuments(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentMarks marks;
  while (parser.HandleNextDocument(marks)) {
    const auto& docs = marks.documents;
    if (docs.size() > 1 && docs.back().start.pos == docs[docs.size() - 2].start.pos) {
      const auto pos = static_cast<std::size_t>(docs.back().start.pos);
      throw YAML::ParserException(docs.back().start, "unexpected '" + text.substr(pos, 1) + "'");
    }
  }
  return marks.documents;
}

}  // namespace

YamlStream loadYamlStream(const std::string& text) {
  YamlStream out;
  const auto documents = scanDocuments(text);
  out.documents = documents.size();
  if (documents.size() > 1) out.second = documents[1].root.value_or(documents[1].start);
  // Only the first document is built: Load() reads one and stops.
  if (!documents.empty()) out.first = YAML::Load(text);
  return out;
}

std::string describeYamlNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    default: return "'" + node.Scalar() + "'";
  }
}

}  // namespace drover::util
