// Umbrella header of the engine layer.
#pragma once
#include "engine/allocator.h"
#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/module.h"
#include "engine/ops.h"
#include "engine/optim.h"
#include "engine/random.h"
#include "engine/tensor.h"
#include "engine/threads.h"
