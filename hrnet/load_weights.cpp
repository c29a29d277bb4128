#include "hrnet/load_weights.h"

#include "engine/io/weights_file.h"

namespace hr::net {

LoadReport load_weights_into(Module& net, const std::string& path, const LoadOptions& options) {
  const io::LoadedWeights w = io::load_weights_file(path);
  return load_state_dict(net, w.tensors, options, path);
}

LoadReport load_pretrained(Module& net, const cfg::Config& cfg) {
  if (cfg.model.pretrained.empty()) return {};
  LoadOptions o;
  o.strict = false;
  o.only_layers = cfg.model.extra.pretrained_layers;
  LoadReport rep = load_weights_into(net, cfg.model.pretrained, o);
  HR_CHECK(!rep.loaded.empty(), "MODEL.PRETRAINED {}: no tensor matched MODEL.EXTRA.PRETRAINED_LAYERS",
           cfg.model.pretrained);
  return rep;
}

}  // namespace hr::net
