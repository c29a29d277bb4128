// The pickle VM on hand-written programs: values, memo, globals, and malformed input.
#include <catch2/catch.hpp>
#include <string>

#include "engine/io/pickle.h"
#include "io/io_test_support.h"

using namespace hr::io;
using hr::test::error_of;
using Kind = PyValue::Kind;

namespace {

struct Run {
  PyArena arena;
  UnpickleHooks hooks;
  PyValue* result = nullptr;
  size_t end = 0;
};

// Runs `program` (raw pickle bytes) and keeps the arena alive.
std::unique_ptr<Run> run(const std::string& program, UnpickleLimits limits = {}) {
  auto r = std::make_unique<Run>();
  const auto* p = reinterpret_cast<const uint8_t*>(program.data());
  ByteReader reader({p, program.size()}, "test.pkl", "pickle");
  r->result = unpickle(reader, r->arena, r->hooks, limits);
  r->end = reader.offset();
  return r;
}

std::string run_error(const std::string& program, UnpickleLimits limits = {}) {
  return error_of([&] { run(program, limits); });
}

// Program builders (C++ hex escapes swallow following hex digits, so no "\x01a" literals).
std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += static_cast<char>(b);
  return s;
}
std::string uni(const std::string& text) {  // BINUNICODE
  const auto n = static_cast<uint32_t>(text.size());
  std::string s = B({'X', int(n & 0xff), int((n >> 8) & 0xff), int((n >> 16) & 0xff), int(n >> 24)});
  return s += text;
}
std::string short_uni(const std::string& text) {  // SHORT_BINUNICODE
  std::string s = B({0x8c, static_cast<int>(text.size())});
  return s += text;
}
std::string int1(int v) { return B({'K', v}); }  // BININT1
const std::string kProto2 = B({0x80, 2});

}  // namespace

TEST_CASE("pickle: scalars, strings and containers", "[io][pickle]") {
  // {'a': [1, -2, 300, -70000, True, None], 'b': (1.5, 'xy'), 'c': b'\x01'}
  const std::string p = kProto2 + "}" + B({'q', 0}) + "(" + uni("a") + "](" + int1(1) +
                        B({'J', 0xfe, 0xff, 0xff, 0xff}) + B({'M', 0x2c, 0x01}) +
                        B({'J', 0x90, 0xee, 0xfe, 0xff}) + B({0x88}) + "Ne" + short_uni("b") +
                        B({'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}) + short_uni("xy") + B({0x86}) +
                        short_uni("c") + B({'C', 1, 1}) + "u.";
  auto r = run(p);
  const PyValue* d = r->result;
  REQUIRE(d->kind == Kind::dict);
  REQUIRE(d->entries.size() == 3);
  const PyValue* a = d->find("a");
  REQUIRE(a);
  REQUIRE(a->kind == Kind::list);
  REQUIRE(a->items.size() == 6);
  CHECK(a->items[0]->integer == 1);
  CHECK(a->items[1]->integer == -2);
  CHECK(a->items[2]->integer == 300);
  CHECK(a->items[3]->integer == -70000);
  CHECK((a->items[4]->kind == Kind::boolean && a->items[4]->boolean));
  CHECK(a->items[5]->kind == Kind::none);
  const PyValue* b = d->find("b");
  REQUIRE(b->kind == Kind::tuple);
  CHECK(b->items[0]->floating == 1.5);  // BINFLOAT is big-endian
  CHECK(b->items[1]->text == "xy");
  CHECK(d->find("c")->kind == Kind::bytes);
  CHECK(r->end == p.size());
}

TEST_CASE("pickle: LONG1 of any width", "[io][pickle]") {
  CHECK(run(B({0x8a, 1, 0xff, '.'}))->result->integer == -1);
  CHECK(run(B({0x8a, 2, 0x00, 0x80, '.'}))->result->integer == -32768);
  CHECK(run(B({0x8a, 0, '.'}))->result->integer == 0);
  CHECK(run(B({0x8a, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '.'}))->result->integer ==
        std::numeric_limits<int64_t>::max());
  auto big = run(B({0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'}));
  CHECK(big->result->kind == Kind::big_integer);  // torch's magic number
  CHECK(big->result->text.size() == 10);
}

TEST_CASE("pickle: memo, shared references and self reference", "[io][pickle]") {
  // l = []; l.append(l); (l, l) through MEMOIZE, BINGET and LONG_BINGET
  auto r = run(B({0x80, 4, ']', 0x94, 'h', 0, 'a', 'j', 0, 0, 0, 0, 0x86, '.'}));
  const PyValue* t = r->result;
  REQUIRE(t->kind == Kind::tuple);
  CHECK(t->items[0] == t->items[1]);
  CHECK(t->items[0]->items[0] == t->items[0]);  // the cycle is fine: the arena owns all
}

TEST_CASE("pickle: globals become opaque objects unless known", "[io][pickle]") {
  // collections.OrderedDict() with SETITEM, then BUILD with a state dict.
  auto r = run(kProto2 + "ccollections\nOrderedDict\n)R" + uni("k") + int1(5) + "s}b.");
  REQUIRE(r->result->kind == Kind::dict);
  CHECK(r->result->find("k")->integer == 5);

  // An unknown class through NEWOBJ and BUILD keeps its state.
  auto o = run(kProto2 + "cmy.module\nThing\n)" + B({0x81}) + "}" + uni("x") + int1(1) + "sb.");
  REQUIRE(o->result->kind == Kind::object);
  CHECK(o->result->describe() == "object my.module.Thing");
  REQUIRE(o->result->state);
  CHECK(o->result->state->find("x")->integer == 1);

  // STACK_GLOBAL (protocol 4) inside a FRAME.
  auto s = run(B({0x80, 4, 0x95, 12, 0, 0, 0, 0, 0, 0, 0}) + short_uni("foo") + short_uni("bar") + B({0x93}) + ".");
  CHECK(s->result->is_global("foo", "bar"));

  // A repeated key replaces the value and keeps the first position, as in Python.
  auto d = run("}(" + uni("a") + int1(1) + uni("b") + int1(2) + uni("a") + int1(3) + "u.");
  REQUIRE(d->result->entries.size() == 2);
  CHECK(d->result->entries[0].second->integer == 3);

  // Python 3 bytes in protocol 2: _codecs.encode('\u00ff', 'latin1')
  auto c = run(kProto2 + "c_codecs\nencode\n" + uni("\xc3\xbf") + uni("latin1") + B({0x86}) + "R.");
  REQUIRE(c->result->kind == Kind::bytes);
  CHECK(c->result->text == std::string(1, '\xff'));
}

TEST_CASE("pickle: malformed programs give errors with the offset", "[io][pickle]") {
  CHECK_THAT(run_error(kProto2 + B({0xff}) + "."),
             Catch::Contains("test.pkl") && Catch::Contains("unknown opcode") &&
                 Catch::Contains("0xff at offset 2"));
  CHECK_THAT(run_error(kProto2 + "t."), Catch::Contains("no MARK"));
  CHECK_THAT(run_error(kProto2 + "."), Catch::Contains("stack underflow"));
  CHECK_THAT(run_error(kProto2 + B({'h', 7}) + "."), Catch::Contains("memo entry 7 was never stored"));
  CHECK_THAT(run_error(kProto2 + B({'X', 0xff, 0, 0, 0}) + "ab."), Catch::Contains("truncated"));
  CHECK_THAT(run_error(kProto2 + int1(1)), Catch::Contains("truncated"));  // no STOP
  CHECK_THAT(run_error(""), Catch::Contains("truncated"));
  CHECK_THAT(run_error(B({0x80, 9}) + "."), Catch::Contains("unsupported protocol 9"));
  CHECK_THAT(run_error(kProto2 + int1(1) + int1(2) + int1(3) + "s."), Catch::Contains("not a dict"));
  CHECK_THAT(run_error(kProto2 + "(" + uni("p") + "tQ."), Catch::Contains("persistent id"));
  CHECK_THAT(run_error(kProto2 + B({0x82, 1}) + "."), Catch::Contains("unsupported opcode"));
  CHECK_THAT(run_error(kProto2 + "(" + B({0x85}) + "."), Catch::Contains("stack underflow"));
  CHECK_THAT(run_error(kProto2 + B({0x8a, 2, 0}) + "."), Catch::Contains("truncated"));
}

TEST_CASE("pickle: limits stop runaway programs", "[io][pickle]") {
  UnpickleLimits small;
  small.max_values = 100;
  std::string many = kProto2 + "(";
  for (int i = 0; i < 200; ++i) many += int1(1);
  CHECK_THAT(run_error(many + "l.", small), Catch::Contains("more than 100 values"));

  // Deep nesting needs no recursion, to build or to free.
  std::string deep = kProto2;
  const int depth = 100000;
  for (int i = 0; i < depth; ++i) deep += "]";
  for (int i = 1; i < depth; ++i) deep += "a";
  auto r = run(deep + ".");
  CHECK(r->result->kind == Kind::list);
}
