#include "hrnet/load_weights.h"

#include "engine/io/weights_file.h"

namespace hr::net {

LoadReport load_weights_into(Module& net, const std::string& path, const LoadOptions& options) {
  const io::LoadedWeights w = io::load_weights_file(path);
  return load_state_dict(net, w.tensors, options, path);
}

}  // namespace hr::net
