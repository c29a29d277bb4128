#include "engine/io/pickle.h"

#include <fmt/format.h>

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "engine/error.h"

namespace hr::io {

using Kind = PyValue::Kind;

// ---- PyValue ---------------------------------------------------------------------------

namespace {

// A type tag then the value, built by appending (GCC 12 warns falsely on "s" + string).
std::string tagged(char tag, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 1);
  out += tag;
  out += body;
  return out;
}

// The key under which a dict indexes `k`, or "" when `k` is compared by identity.
std::string index_key(const PyValue* k) {
  switch (k->kind) {
    case Kind::string: return tagged('s', k->text);
    case Kind::integer: return tagged('i', std::to_string(k->integer));
    case Kind::boolean: return k->boolean ? "i1" : "i0";
    default: return {};
  }
}

std::string quoted(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "'";
  out += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
  return out + "'";
}

}  // namespace

PyValue* PyValue::find(std::string_view key) const {
  if (kind != Kind::dict || !index_) return nullptr;
  auto it = index_->find(tagged('s', key));
  return it == index_->end() ? nullptr : entries[it->second].second;
}

void PyValue::dict_set(PyValue* key, PyValue* value) {
  if (!index_) index_ = std::make_unique<std::unordered_map<std::string, size_t>>();
  const std::string ik = index_key(key);
  if (!ik.empty()) {
    auto [it, inserted] = index_->emplace(ik, entries.size());
    if (!inserted) {
      entries[it->second].second = value;  // Python keeps the first key, takes the new value
      return;
    }
  }
  entries.emplace_back(key, value);
}

std::string PyValue::describe() const {
  switch (kind) {
    case Kind::none: return "None";
    case Kind::boolean: return boolean ? "True" : "False";
    case Kind::integer: return fmt::format("int {}", integer);
    case Kind::big_integer: return fmt::format("int of {} bytes", text.size());
    case Kind::floating: return fmt::format("float {}", floating);
    case Kind::string: return "str " + quoted(text);
    case Kind::bytes: return fmt::format("bytes of length {}", text.size());
    case Kind::tuple: return fmt::format("tuple of {}", items.size());
    case Kind::list: return fmt::format("list of {}", items.size());
    case Kind::set: return fmt::format("set of {}", items.size());
    case Kind::dict: return fmt::format("dict of {}", entries.size());
    case Kind::global: return fmt::format("global {}.{}", text, name);
    case Kind::object:
      return callable && callable->kind == Kind::global
                 ? fmt::format("object {}.{}", callable->text, callable->name)
                 : std::string("object");
    case Kind::native: return native ? native->describe() : "native";
  }
  return "?";
}

PyValue* UnpickleHooks::persistent_load(PyArena&, PyValue* pid, std::string_view source) {
  fail("{}: pickle: persistent id {} but this pickle has no persistent storage", source,
       pid->describe());
}

// ---- the virtual machine ---------------------------------------------------------------

namespace {

// Opcodes, named as in CPython's Lib/pickle.py.
enum Op : uint8_t {
  MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I',
  BININT = 'J', BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P',
  BINPERSID = 'Q', REDUCE = 'R', STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U',
  UNICODE = 'V', BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd',
  EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h', INST = 'i', LONG_BINGET = 'j',
  LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q', LONG_BINPUT = 'r',
  SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
  PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85,
  TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b,
  BINBYTES = 'B', SHORT_BINBYTES = 'C', SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d,
  BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92,
  STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95, BYTEARRAY8 = 0x96, NEXT_BUFFER = 0x97,
  READONLY_BUFFER = 0x98,
};

class Machine {
 public:
  Machine(ByteReader& r, PyArena& arena, UnpickleHooks& hooks, const UnpickleLimits& limits)
      : r_(r), arena_(arena), hooks_(hooks), limits_(limits), first_value_(arena.size()) {}

  PyValue* run() {
    for (;;) {
      op_offset_ = r_.offset();
      op_ = r_.u8("opcode");
      if (op_ == STOP) {
        PyValue* result = pop();
        return result;
      }
      step();
    }
  }

 private:
  template <typename... Args>
  [[noreturn]] void error(fmt::format_string<Args...> f, Args&&... args) const {
    fail("{}: pickle: {} (opcode 0x{:02x} at offset {})", r_.source(),
         fmt::format(f, std::forward<Args>(args)...), op_, op_offset_);
  }

  PyValue* make(Kind k) {
    if (arena_.size() - first_value_ >= limits_.max_values)
      error("more than {} values", limits_.max_values);
    return arena_.make(k);
  }

  void push(PyValue* v) {
    if (stack_.size() >= limits_.max_stack) error("stack deeper than {}", limits_.max_stack);
    stack_.push_back(v);
  }

  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }

  PyValue* pop() {
    if (stack_.size() <= floor()) error("stack underflow");
    PyValue* v = stack_.back();
    stack_.pop_back();
    return v;
  }

  PyValue* top() const {
    if (stack_.size() <= floor()) error("stack underflow");
    return stack_.back();
  }

  // Pops everything above the most recent MARK, and the mark.
  std::vector<PyValue*> pop_mark() {
    if (marks_.empty()) error("no MARK to pop to");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<PyValue*> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }

  PyValue* make_string(Kind k, std::string s) {
    PyValue* v = make(k);
    v->text = std::move(s);
    return v;
  }

  PyValue* make_int(int64_t i) {
    PyValue* v = make(Kind::integer);
    v->integer = i;
    return v;
  }

  PyValue* make_sequence(Kind k, std::vector<PyValue*> items) {
    PyValue* v = make(k);
    v->items = std::move(items);
    return v;
  }

  // Two's-complement little-endian integer of any length (LONG1, LONG4).
  PyValue* make_long(Bytes b) {
    if (b.size() <= 8) {
      uint64_t u = 0;
      for (size_t i = 0; i < b.size(); ++i) u |= static_cast<uint64_t>(b[i]) << (8 * i);
      if (!b.empty() && b.size() < 8 && (b.back() & 0x80)) u |= ~uint64_t{0} << (8 * b.size());
      return make_int(static_cast<int64_t>(u));
    }
    return make_string(Kind::big_integer, std::string(b.begin(), b.end()));
  }

  int64_t parse_decimal(const std::string& s) {
    std::string t = s;
    if (!t.empty() && t.back() == 'L') t.pop_back();  // protocol 0 longs end in 'L'
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(t.c_str(), &end, 10);
    if (t.empty() || *end != '\0' || errno == ERANGE) error("bad integer literal '{}'", s);
    return v;
  }

  size_t memo_index(uint64_t i) const {
    if (i >= limits_.max_memo) error("memo index {} exceeds the limit {}", i, limits_.max_memo);
    return static_cast<size_t>(i);
  }

  void memo_put(uint64_t i) {
    if (memo_.size() >= limits_.max_memo && !memo_.contains(i))
      error("more than {} memo entries", limits_.max_memo);
    memo_[memo_index(i)] = top();
  }

  void memo_get(uint64_t i) {
    auto it = memo_.find(i);
    if (it == memo_.end()) error("memo entry {} was never stored", i);
    push(it->second);
  }

  PyValue* as_container(Kind want, const char* opname) {
    PyValue* c = top();
    if (c->kind != want && c->kind != Kind::object)
      error("{} on {}, which is not a {}", opname, c->describe(),
            want == Kind::dict ? "dict" : want == Kind::list ? "list" : "set");
    return c;
  }

  void set_items(PyValue* target, const std::vector<PyValue*>& kv) {
    if (kv.size() % 2 != 0) error("odd number of items ({}) for dict", kv.size());
    for (size_t i = 0; i < kv.size(); i += 2) {
      if (target->kind == Kind::dict)
        target->dict_set(kv[i], kv[i + 1]);
      else
        target->entries.emplace_back(kv[i], kv[i + 1]);
    }
  }

  // What the VM itself knows how to apply: containers and byte strings, nothing that runs
  // code. Anything else becomes an opaque object.
  PyValue* apply_builtin(PyValue* callable, PyValue* args) {
    if (callable->kind != Kind::global || args->kind != Kind::tuple) return nullptr;
    const std::string& m = callable->text;
    const std::string& n = callable->name;
    const bool builtins = m == "builtins" || m == "__builtin__";
    if ((m == "collections" && n == "OrderedDict") || (builtins && n == "dict")) {
      PyValue* d = make(Kind::dict);
      if (args->items.empty()) return d;
      // OrderedDict([(k, v), ...]): pairs given as tuples or lists.
      const PyValue* pairs = args->items[0];
      if (args->items.size() != 1 || (pairs->kind != Kind::list && pairs->kind != Kind::tuple))
        return nullptr;
      for (PyValue* p : pairs->items) {
        if ((p->kind != Kind::tuple && p->kind != Kind::list) || p->items.size() != 2)
          return nullptr;
        d->dict_set(p->items[0], p->items[1]);
      }
      return d;
    }
    if (builtins && (n == "set" || n == "frozenset")) {
      if (args->items.empty()) return make(Kind::set);
      const PyValue* src = args->items[0];
      if (args->items.size() == 1 && (src->kind == Kind::list || src->kind == Kind::tuple))
        return make_sequence(Kind::set, src->items);
      return nullptr;
    }
    // Protocol 2 pickles Python 3 bytes as _codecs.encode(text, 'latin1').
    if (m == "_codecs" && n == "encode" && args->items.size() == 2 &&
        args->items[0]->is_string() && args->items[1]->is_string() &&
        (args->items[1]->text == "latin1" || args->items[1]->text == "latin-1")) {
      return make_string(Kind::bytes, utf8_to_latin1(args->items[0]->text));
    }
    return nullptr;
  }

  std::string utf8_to_latin1(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<uint8_t>(s[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if ((c & 0xe0) == 0xc0 && c <= 0xc3 && i + 1 < s.size()) {
        out += static_cast<char>(((c & 0x03) << 6) | (static_cast<uint8_t>(s[++i]) & 0x3f));
      } else {
        error("_codecs.encode: text is not latin-1");
      }
    }
    return out;
  }

  PyValue* apply(PyValue* callable, PyValue* args) {
    if (args->kind != Kind::tuple) error("arguments must be a tuple, got {}", args->describe());
    if (PyValue* v = hooks_.apply(arena_, callable, args, r_.source())) return v;
    if (PyValue* v = apply_builtin(callable, args)) return v;
    PyValue* obj = make(Kind::object);
    obj->callable = callable;
    obj->args = args;
    return obj;
  }

  void step() {
    switch (op_) {
      case PROTO: {
        const uint8_t v = r_.u8("protocol");
        if (v > 5) error("unsupported protocol {}", v);
        return;
      }
      case FRAME: r_.u64("frame length"); return;  // frames only help buffering
      case MARK:
        if (marks_.size() >= limits_.max_stack) error("too many MARKs");
        marks_.push_back(stack_.size());
        return;
      case POP:
        if (!marks_.empty() && marks_.back() == stack_.size())
          marks_.pop_back();  // POP of a bare mark discards the mark
        else
          pop();
        return;
      case POP_MARK: pop_mark(); return;
      case DUP: push(top()); return;

      case NONE: push(make(Kind::none)); return;
      case NEWTRUE:
      case NEWFALSE: {
        PyValue* v = make(Kind::boolean);
        v->boolean = op_ == NEWTRUE;
        push(v);
        return;
      }
      case INT: {
        const std::string s = r_.line("INT");
        if (s == "00" || s == "01") {  // protocol 0 booleans
          PyValue* v = make(Kind::boolean);
          v->boolean = s == "01";
          push(v);
        } else {
          push(make_int(parse_decimal(s)));
        }
        return;
      }
      case LONG: push(make_int(parse_decimal(r_.line("LONG")))); return;
      case BININT: push(make_int(r_.i32("BININT"))); return;
      case BININT1: push(make_int(r_.u8("BININT1"))); return;
      case BININT2: push(make_int(r_.u16("BININT2"))); return;
      case LONG1: push(make_long(r_.take(r_.u8("LONG1 length"), "LONG1"))); return;
      case LONG4: {
        const int32_t n = r_.i32("LONG4 length");
        if (n < 0) error("negative LONG4 length {}", n);
        push(make_long(r_.take(static_cast<size_t>(n), "LONG4")));
        return;
      }
      case BINFLOAT: {
        // The one big-endian field in pickle.
        const uint64_t bits = byteswap64(r_.u64("BINFLOAT"));
        PyValue* v = make(Kind::floating);
        v->floating = std::bit_cast<double>(bits);
        push(v);
        return;
      }
      case FLOAT: {
        const std::string s = r_.line("FLOAT");
        char* end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0') error("bad float literal '{}'", s);
        PyValue* v = make(Kind::floating);
        v->floating = d;
        push(v);
        return;
      }

      case BINUNICODE: push(make_string(Kind::string, r_.string(r_.u32("length"), "BINUNICODE"))); return;
      case SHORT_BINUNICODE: push(make_string(Kind::string, r_.string(r_.u8("length"), "SHORT_BINUNICODE"))); return;
      case BINUNICODE8: push(make_string(Kind::string, r_.string(checked_size(r_.u64("length")), "BINUNICODE8"))); return;
      // Python 2 str: torch's loader decodes them as text, and so do we.
      case BINSTRING: {
        const int32_t n = r_.i32("length");
        if (n < 0) error("negative BINSTRING length {}", n);
        push(make_string(Kind::string, r_.string(static_cast<size_t>(n), "BINSTRING")));
        return;
      }
      case SHORT_BINSTRING: push(make_string(Kind::string, r_.string(r_.u8("length"), "SHORT_BINSTRING"))); return;
      case STRING:
      case UNICODE: {
        std::string s = r_.line(op_ == STRING ? "STRING" : "UNICODE");
        if (op_ == STRING) {
          if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
            error("STRING literal is not quoted");
          s = s.substr(1, s.size() - 2);
        }
        if (s.find('\\') != std::string::npos) error("escaped text literals are not supported");
        push(make_string(Kind::string, std::move(s)));
        return;
      }
      case BINBYTES: push(make_string(Kind::bytes, r_.string(r_.u32("length"), "BINBYTES"))); return;
      case SHORT_BINBYTES: push(make_string(Kind::bytes, r_.string(r_.u8("length"), "SHORT_BINBYTES"))); return;
      case BINBYTES8:
      case BYTEARRAY8: push(make_string(Kind::bytes, r_.string(checked_size(r_.u64("length")), "BINBYTES8"))); return;

      case EMPTY_TUPLE: push(make(Kind::tuple)); return;
      case TUPLE: push(make_sequence(Kind::tuple, pop_mark())); return;
      case TUPLE1:
      case TUPLE2:
      case TUPLE3: {
        const size_t n = static_cast<size_t>(op_ - TUPLE1 + 1);
        std::vector<PyValue*> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        push(make_sequence(Kind::tuple, std::move(items)));
        return;
      }
      case EMPTY_LIST: push(make(Kind::list)); return;
      case LIST: push(make_sequence(Kind::list, pop_mark())); return;
      case APPEND: {
        PyValue* v = pop();
        as_container(Kind::list, "APPEND")->items.push_back(v);
        return;
      }
      case APPENDS: {
        std::vector<PyValue*> vs = pop_mark();
        PyValue* l = as_container(Kind::list, "APPENDS");
        l->items.insert(l->items.end(), vs.begin(), vs.end());
        return;
      }
      case EMPTY_DICT: push(make(Kind::dict)); return;
      case DICT: {
        std::vector<PyValue*> kv = pop_mark();
        PyValue* d = make(Kind::dict);
        set_items(d, kv);
        push(d);
        return;
      }
      case SETITEM: {
        PyValue* v = pop();
        PyValue* k = pop();
        set_items(as_container(Kind::dict, "SETITEM"), {k, v});
        return;
      }
      case SETITEMS: {
        std::vector<PyValue*> kv = pop_mark();
        set_items(as_container(Kind::dict, "SETITEMS"), kv);
        return;
      }
      case EMPTY_SET: push(make(Kind::set)); return;
      case ADDITEMS: {
        std::vector<PyValue*> vs = pop_mark();
        PyValue* s = as_container(Kind::set, "ADDITEMS");
        s->items.insert(s->items.end(), vs.begin(), vs.end());
        return;
      }
      case FROZENSET: push(make_sequence(Kind::set, pop_mark())); return;

      case GLOBAL: {
        PyValue* g = make(Kind::global);
        g->text = r_.line("GLOBAL module");
        g->name = r_.line("GLOBAL name");
        push(g);
        return;
      }
      case STACK_GLOBAL: {
        PyValue* name = pop();
        PyValue* module = pop();
        if (!module->is_string() || !name->is_string())
          error("STACK_GLOBAL needs two strings, got {} and {}", module->describe(), name->describe());
        PyValue* g = make(Kind::global);
        g->text = module->text;
        g->name = name->text;
        push(g);
        return;
      }
      case REDUCE: {
        PyValue* args = pop();
        PyValue* callable = pop();
        push(apply(callable, args));
        return;
      }
      case NEWOBJ: {
        PyValue* args = pop();
        PyValue* cls = pop();
        push(apply(cls, args));
        return;
      }
      case NEWOBJ_EX: {
        pop();  // keyword arguments: nothing we construct takes them
        PyValue* args = pop();
        PyValue* cls = pop();
        push(apply(cls, args));
        return;
      }
      case BUILD: {
        PyValue* state = pop();
        PyValue* obj = top();
        // Objects and dicts (OrderedDict's _metadata) keep their state; on anything else
        // (a tensor reference, say) BUILD only sets Python attributes we do not need.
        if (obj->kind == Kind::object || obj->kind == Kind::dict) obj->state = state;
        return;
      }

      case PUT: memo_put(static_cast<uint64_t>(parse_decimal(r_.line("PUT")))); return;
      case BINPUT: memo_put(r_.u8("BINPUT")); return;
      case LONG_BINPUT: memo_put(r_.u32("LONG_BINPUT")); return;
      case MEMOIZE: memo_put(memo_.size()); return;
      case GET: memo_get(static_cast<uint64_t>(parse_decimal(r_.line("GET")))); return;
      case BINGET: memo_get(r_.u8("BINGET")); return;
      case LONG_BINGET: memo_get(r_.u32("LONG_BINGET")); return;

      case PERSID: {
        PyValue* pid = make_string(Kind::string, r_.line("PERSID"));
        push(hooks_.persistent_load(arena_, pid, r_.source()));
        return;
      }
      case BINPERSID: {
        PyValue* pid = pop();
        push(hooks_.persistent_load(arena_, pid, r_.source()));
        return;
      }

      case INST:
      case OBJ:
      case EXT1:
      case EXT2:
      case EXT4:
      case NEXT_BUFFER:
      case READONLY_BUFFER: error("unsupported opcode");
      default: error("unknown opcode");
    }
  }

  size_t checked_size(uint64_t n) const {
    if (n > r_.remaining()) error("length {} runs past the end of the data", n);
    return static_cast<size_t>(n);
  }

  ByteReader& r_;
  PyArena& arena_;
  UnpickleHooks& hooks_;
  const UnpickleLimits& limits_;
  const size_t first_value_;
  std::vector<PyValue*> stack_;
  std::vector<size_t> marks_;  // stack heights at each MARK
  std::unordered_map<uint64_t, PyValue*> memo_;
  size_t op_offset_ = 0;
  uint8_t op_ = 0;
};

}  // namespace

PyValue* unpickle(ByteReader& reader, PyArena& arena, UnpickleHooks& hooks,
                  const UnpickleLimits& limits) {
  return Machine(reader, arena, hooks, limits).run();
}

}  // namespace hr::io
