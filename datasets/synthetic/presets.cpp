// The renderer's named settings (see render_preset in synth.h).
#include "datasets/synthetic/synth.h"
#include "engine/error.h"

namespace hr::data::synth {

RenderOptions render_preset(const std::string& name) {
  RenderOptions o;
  if (name == "standard") return o;
  if (name == "demo") {
    o.max_people = 1;
    o.back_view_prob = 0.0;
    o.occluder_prob = 0.0;
    o.min_clutter = 0;
    o.max_clutter = 3;
    return o;
  }
  fail("synthetic: unknown preset '{}' (standard or demo)", name);
}

}  // namespace hr::data::synth
