// A small pickle virtual machine: enough of Python's pickle protocols 0-5 to read what
// torch.save writes (protocol 2 by default), without executing anything.
//
// The program builds a graph of PyValues. Globals never resolve to code: GLOBAL makes a
// `global` value naming module and attribute, and applying one (REDUCE, NEWOBJ) asks the
// embedder's UnpickleHooks first, then knows a few harmless builtins (OrderedDict, dict,
// set, _codecs.encode), and otherwise records an opaque `object` (callable + arguments +
// BUILD state). So unknown classes load fine and only matter if someone uses them.
//
// Values live in a PyArena and refer to each other by raw pointer. The graph may share
// nodes (memo) and even contain cycles; the arena frees everything at once, so neither
// cycles nor very deep nesting can leak or overflow the stack during destruction.
//
// Every read is bounded by the input; stack, memo and value counts are capped
// (UnpickleLimits). Malformed input raises hr::Error naming the source, the byte offset and
// the opcode.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/io/byte_reader.h"

namespace hr::io {

// An object created by the embedder's hooks (for PyTorch: a storage or a tensor reference).
class NativeValue {
 public:
  virtual ~NativeValue() = default;
  virtual std::string describe() const = 0;
};

struct PyValue {
  enum class Kind : uint8_t {
    none, boolean, integer, big_integer, floating, string, bytes,
    tuple, list, set, dict, global, object, native
  };

  explicit PyValue(Kind k) : kind(k) {}

  Kind kind;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0.0;
  std::string text;  // string (UTF-8), bytes, big_integer (two's complement, little-endian),
                     // global: the module
  std::string name;  // global: the attribute name
  std::vector<PyValue*> items;                         // tuple, list, set; object: APPENDs
  std::vector<std::pair<PyValue*, PyValue*>> entries;  // dict; object: SETITEMs
  PyValue* callable = nullptr;  // object: what was applied
  PyValue* args = nullptr;      // object: the argument tuple
  PyValue* state = nullptr;     // dict, object: BUILD's argument
  std::shared_ptr<NativeValue> native;

  bool is_global(std::string_view module, std::string_view attr) const {
    return kind == Kind::global && text == module && name == attr;
  }
  bool is_string() const { return kind == Kind::string; }
  bool is_int() const { return kind == Kind::integer; }

  // Dict lookup by string key; nullptr when absent or not a dict.
  PyValue* find(std::string_view key) const;
  // Inserts or replaces, as Python's dict does. Keys are compared by value for strings,
  // integers and booleans (True == 1), by identity otherwise.
  void dict_set(PyValue* key, PyValue* value);

  // A short human-readable description for error messages: "str 'epoch'", "global
  // torch.FloatStorage", "tuple of 5", ...
  std::string describe() const;

 private:
  std::unique_ptr<std::unordered_map<std::string, size_t>> index_;  // dict key -> entry
};

class PyArena {
 public:
  PyValue* make(PyValue::Kind kind) {
    values_.emplace_back(kind);
    return &values_.back();
  }
  size_t size() const { return values_.size(); }

 private:
  std::deque<PyValue> values_;  // a deque never moves its elements
};

class UnpickleHooks {
 public:
  virtual ~UnpickleHooks() = default;
  // BINPERSID / PERSID. The default refuses: plain pickles have no persistent ids.
  virtual PyValue* persistent_load(PyArena& arena, PyValue* pid, std::string_view source);
  // REDUCE / NEWOBJ of `callable` (usually a global) with the argument tuple `args`.
  // Return nullptr to let the VM apply its defaults.
  virtual PyValue* apply(PyArena& arena, PyValue* callable, PyValue* args, std::string_view source) {
    return nullptr;
  }
};

struct UnpickleLimits {
  size_t max_values = size_t{1} << 26;  // values created by one program
  size_t max_stack = size_t{1} << 22;   // stack entries and marks
  size_t max_memo = size_t{1} << 24;
};

// Runs one pickle program from the reader's position through STOP and returns its result;
// the reader is left just past STOP (the legacy .pth format has several pickles in a row).
PyValue* unpickle(ByteReader& reader, PyArena& arena, UnpickleHooks& hooks,
                  const UnpickleLimits& limits = {});

}  // namespace hr::io
