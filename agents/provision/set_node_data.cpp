// provision#set_node_data: the node's own Hiera data, delivered over the bus, written
// atomically to <confdir>/data/drover-node.json (masterless.hpp), where provision#apply's
// Hiera config reads it before the image's defaults. Idempotent: the same data again
// writes nothing and answers changed: false.
#include "agents/provision/actions.hpp"
#include "agents/provision/masterless.hpp"

namespace drover::agents::provision {

Reply setNodeData(const Request& request, ProvisionContext& context) {
  const Json data = request.args.value("data", Json::object());
  if (!data.is_object()) {
    throw ActionError(
        envelope::StatusCode::InvalidData,
        std::string("input 'data' must be a hash of Hiera keys, got ") + data.type_name());
  }
  const std::size_t compact = data.dump().size();
  if (compact > kMaxNodeDataBytes) {
    throw ActionError(envelope::StatusCode::InvalidData,
                      "input 'data' is " + std::to_string(compact) + " bytes as JSON, at most " +
                          std::to_string(kMaxNodeDataBytes) + " allowed");
  }
  const std::string text = nodeDataText(data);
  const MasterlessPaths paths = masterlessPaths(context);
  const bool changed = writeIfChanged(paths.nodeData, text, 0640);
  context.state().recordStep(
      "set_node_data", {{"file", paths.nodeData.string()}, {"keys", data.size()}}, context.nowMs());
  return {{},
          {{"file", paths.nodeData.string()},
           {"changed", changed},
           {"keys", data.size()},
           {"bytes", text.size()}}};
}

}  // namespace drover::agents::provision
