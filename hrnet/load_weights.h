// Loading a weight file (.pth or .safetensors) into a network, as the apps do it.
#pragma once
#include <string>

#include "hrnet/weights.h"

namespace hr::net {

// Reads any weight file the engine knows (format sniffed from the contents; a checkpoint
// dict's 'state_dict' / 'best_state_dict' selected, a 'module.' prefix stripped) and loads
// it with `options`. Returns the report; throws naming the file on any mismatch.
LoadReport load_weights_into(Module& net, const std::string& path, const LoadOptions& options = {});

}  // namespace hr::net
