#include "pickle_scan.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "error.h"

namespace cartoonize {
namespace {

// Opcode names for messages (Python's Lib/pickletools.py lists them all).
const char* op_name_of(unsigned char op) {
  switch (op) {
    // No argument.
    case '(': return "MARK";
    case '.': return "STOP";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'N': return "NONE";
    case 'Q': return "BINPERSID";
    case 'R': return "REDUCE";
    case 'a': return "APPEND";
    case 'b': return "BUILD";
    case 'd': return "DICT";
    case '}': return "EMPTY_DICT";
    case 'e': return "APPENDS";
    case 'l': return "LIST";
    case ']': return "EMPTY_LIST";
    case 'o': return "OBJ";
    case 's': return "SETITEM";
    case 't': return "TUPLE";
    case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";
    case 0x81: return "NEWOBJ";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    // Fixed-size arguments.
    case 'K': return "BININT1";
    case 'h': return "BINGET";
    case 0x82: return "EXT1";
    case 'M': return "BININT2";
    case 0x83: return "EXT2";
    case 'J': return "BININT";
    case 'j': return "LONG_BINGET";
    case 0x84: return "EXT4";
    case 'G': return "BINFLOAT";
    case 0x80: return "PROTO";
    // Memo writes: LibTorch grows its memo table to the index.
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 'p': return "PUT";
    // Length-prefixed data: the lengths LibTorch reserves before reading.
    case 'U': return "SHORT_BINSTRING";
    case 'C': return "SHORT_BINBYTES";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8a: return "LONG1";
    case 'X': return "BINUNICODE";
    case 'B': return "BINBYTES";
    case 'T': return "BINSTRING";
    case 0x8b: return "LONG4";
    case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";
    case 0x96: return "BYTEARRAY8";
    case 0x95: return "FRAME";  // its bytes are opcodes: checked, then walked
    // Newline-terminated text arguments (protocol 0).
    case 'I': return "INT";
    case 'L': return "LONG";
    case 'F': return "FLOAT";
    case 'S': return "STRING";
    case 'V': return "UNICODE";
    case 'g': return "GET";
    case 'P': return "PERSID";
    case 'c': return "GLOBAL";
    case 'i': return "INST";
    default: return "?";
  }
}

// The unpickler's stack, shadowed just enough to read what a tensor's storage
// says about itself: its persistent id ('storage', dtype, key, location,
// numel). Everything else is an opaque value.
struct Value {
  enum Kind { Other, Mark, Int, Str, Global, Tuple } kind = Other;
  int64_t i = 0;
  std::shared_ptr<const std::string> s;             // Str (short ones only), Global "module.name"
  std::shared_ptr<const std::vector<Value>> items;  // Tuple
};

Value int_value(int64_t v) {
  Value r;
  r.kind = Value::Int;
  r.i = v;
  return r;
}

Value text_value(Value::Kind kind, std::string text) {
  Value r;
  if (text.size() > 64) return r;  // keys, dtypes and locations are short; copies stay cheap
  r.kind = kind;
  r.s = std::make_shared<const std::string>(std::move(text));
  return r;
}

// Bytes per element of the storage classes torch.save writes; 1 (a bound
// that holds for every dtype) for any other.
int64_t item_size(const std::string& global) {
  static const std::pair<const char*, int> sizes[] = {
      {"torch.DoubleStorage", 8}, {"torch.FloatStorage", 4}, {"torch.HalfStorage", 2}, {"torch.BFloat16Storage", 2},
      {"torch.LongStorage", 8},   {"torch.IntStorage", 4},   {"torch.ShortStorage", 2}, {"torch.ComplexFloatStorage", 8},
      {"torch.ComplexDoubleStorage", 16}, {"torch.QInt32Storage", 4}};
  for (const auto& [n, bytes] : sizes)
    if (global == n) return bytes;
  return 1;
}

}  // namespace

void scan_pickle(const void* data, size_t size, const std::string& name, const StorageSize& storage_size) {
  const auto* p = static_cast<const unsigned char*>(data);
  size_t pos = 0, at = 0;
  const char* op_name = "";
  auto fail = [&](const std::string& why) {
    return Error("pickle " + name + ": " + op_name + " at byte " + std::to_string(at) + ": " + why);
  };
  auto need = [&](uint64_t n, const char* what) {
    if (n > size - pos)
      throw fail(std::string(what) + std::to_string(n) + " bytes, only " + std::to_string(size - pos) +
                 " left in the pickle (corrupt)");
  };
  auto skip = [&](uint64_t n) {  // past n bytes of data, checked to be there
    need(n, "declares ");
    pos += size_t(n);
    return p + pos - n;
  };
  auto text = [&](uint64_t n) {  // n bytes of data as a Str (long ones: opaque, not copied)
    const unsigned char* b = skip(n);
    return n > 64 ? Value() : text_value(Value::Str, std::string(reinterpret_cast<const char*>(b), size_t(n)));
  };
  auto little_endian = [&](int n) {
    need(uint64_t(n), "argument of ");
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | p[pos + size_t(i)];
    pos += size_t(n);
    return v;
  };
  auto line = [&]() {
    const void* nl = std::memchr(p + pos, '\n', size - pos);
    if (!nl) throw fail("text argument without its newline (truncated)");
    const size_t end = size_t(static_cast<const unsigned char*>(nl) - p);
    std::string text(reinterpret_cast<const char*>(p + pos), end - pos);
    pos = end + 1;
    return text;
  };

  std::vector<Value> stack;
  std::unordered_map<uint64_t, Value> memo;
  auto push = [&](Value v) { stack.push_back(std::move(v)); };
  auto pop = [&]() {
    if (stack.empty() || stack.back().kind == Value::Mark) throw fail("stack underflow (corrupt)");
    Value v = std::move(stack.back());
    stack.pop_back();
    return v;
  };
  auto pop_to_mark = [&]() {
    size_t mark = stack.size();
    while (mark > 0 && stack[mark - 1].kind != Value::Mark) --mark;
    if (mark == 0) throw fail("no MARK to pop to (corrupt)");
    std::vector<Value> items(std::make_move_iterator(stack.begin() + std::ptrdiff_t(mark)),
                             std::make_move_iterator(stack.end()));
    stack.resize(mark - 1);
    return items;
  };
  auto tuple = [&](std::vector<Value> items) {
    Value v;
    v.kind = Value::Tuple;
    v.items = std::make_shared<const std::vector<Value>>(std::move(items));
    push(std::move(v));
  };
  // A pickler numbers memo slots 0, 1, 2, ... one PUT (at least one byte)
  // each, so a real index is always below the pickle's size. LibTorch grows
  // its memo table to the index (16 bytes a slot).
  auto put = [&](uint64_t index) {
    if (index >= size)
      throw fail("memo index " + std::to_string(index) + " exceeds the pickle's " + std::to_string(size) +
                 " bytes (corrupt)");
    if (stack.empty() || stack.back().kind == Value::Mark) throw fail("nothing to memoize (corrupt)");
    memo[index] = stack.back();
  };
  auto get = [&](uint64_t index) {
    auto it = memo.find(index);
    push(it == memo.end() ? Value() : it->second);
  };
  auto decimal = [&](const std::string& text, uint64_t& v) {
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return false;
    v = 0;
    for (char c : text) v = v * 10 + uint64_t(c - '0');
    return true;
  };
  // LibTorch builds a storage of numel x itemsize bytes over the data record
  // its key names without comparing the two: a larger numel makes tensors
  // that read past the record (an out-of-bounds read, not an allocation).
  auto check_storage = [&](const Value& id) {
    if (id.kind != Value::Tuple || id.items->size() != 5) return;
    const auto& v = *id.items;
    if (v[0].kind != Value::Str || *v[0].s != "storage" || v[2].kind != Value::Str || v[4].kind != Value::Int) return;
    const int64_t numel = v[4].i;
    if (numel < 0) throw fail("storage " + *v[2].s + " declares " + std::to_string(numel) + " elements (corrupt)");
    const int64_t item = v[1].kind == Value::Global ? item_size(*v[1].s) : 1;
    const int64_t have = storage_size ? storage_size(*v[2].s) : -1;
    if (have >= 0 && numel > have / item)
      throw fail("storage " + *v[2].s + " declares " + std::to_string(numel) + " elements of " +
                 std::to_string(item) + " bytes, its record holds " + std::to_string(have) + " bytes (corrupt)");
  };

  for (;;) {
    at = pos;
    op_name = "end";
    if (pos >= size) throw fail("no STOP opcode before the end (truncated)");
    const unsigned char op = p[pos++];
    op_name = op_name_of(op);
    switch (op) {
      case '.': return;  // STOP: LibTorch reads nothing after it
      case 0x80:         // PROTO
        if (little_endian(1) > 5) throw fail("unknown protocol " + std::to_string(p[pos - 1]));
        break;
      case 0x95: need(little_endian(8), "declares "); break;  // FRAME: its bytes are opcodes, walked next
      case '(': {
        Value mark;
        mark.kind = Value::Mark;
        push(mark);
        break;
      }
      case '0':  // POP (a MARK on top goes, as in Python's unpickler)
        if (!stack.empty() && stack.back().kind == Value::Mark)
          stack.pop_back();
        else
          pop();
        break;
      case '1': pop_to_mark(); break;
      case '2': {
        Value top = pop();
        push(top);
        push(top);
        break;
      }
      // Ints: the numel of a storage is one.
      case 'K': push(int_value(int64_t(little_endian(1)))); break;
      case 'M': push(int_value(int64_t(little_endian(2)))); break;
      case 'J': push(int_value(int64_t(int32_t(uint32_t(little_endian(4)))))); break;
      case 0x8a: {  // LONG1: n bytes, two's complement
        const uint64_t n = little_endian(1);
        const unsigned char* b = skip(n);
        if (n > 8) {
          push(Value());
          break;
        }
        uint64_t v = 0;
        for (size_t i = size_t(n); i-- > 0;) v = v << 8 | b[i];
        if (n > 0 && n < 8 && (b[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n);
        push(int_value(int64_t(v)));
        break;
      }
      case 'I':
      case 'L': {  // text ints ("I01\n" is True)
        std::string text = line();
        if (!text.empty() && text.back() == 'L') text.pop_back();
        uint64_t v;
        push(decimal(text, v) ? int_value(int64_t(v)) : Value());
        break;
      }
      // Strings and bytes: keys, dtypes, locations.
      case 'U':
      case 'C':
      case 0x8c: push(text(little_endian(1))); break;
      case 'X':
      case 'B': push(text(little_endian(4))); break;
      case 'T': {
        const uint64_t n = little_endian(4);
        if (n & 0x80000000u) throw fail("negative length (corrupt)");
        push(text(n));
        break;
      }
      case 0x8b: {  // LONG4
        const uint64_t n = little_endian(4);
        if (n & 0x80000000u) throw fail("negative length (corrupt)");
        skip(n);
        push(Value());
        break;
      }
      case 0x8d:
      case 0x8e: push(text(little_endian(8))); break;
      case 0x96:  // BYTEARRAY8
        skip(little_endian(8));
        push(Value());
        break;
      case 'S':
      case 'V': push(text_value(Value::Str, line())); break;
      case 'c': {
        std::string module = line();
        push(text_value(Value::Global, module + "." + line()));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        const Value global = pop(), module = pop();
        push(module.kind == Value::Str && global.kind == Value::Str
                 ? text_value(Value::Global, *module.s + "." + *global.s)
                 : Value());
        break;
      }
      // Memo.
      case 'q': put(little_endian(1)); break;
      case 'r': put(little_endian(4)); break;
      case 'p': {
        const std::string text = line();
        uint64_t v;
        if (!decimal(text, v)) throw fail("bad memo index '" + text.substr(0, 32) + "'");
        put(v);
        break;
      }
      case 0x94: put(memo.size()); break;  // MEMOIZE
      case 'h': get(little_endian(1)); break;
      case 'j': get(little_endian(4)); break;
      case 'g': {
        uint64_t v;
        if (!decimal(line(), v)) v = ~uint64_t(0);
        get(v);
        break;
      }
      // Tuples: a persistent id is one.
      case ')': tuple({}); break;
      case 't': tuple(pop_to_mark()); break;
      case 0x85:
      case 0x86:
      case 0x87: {
        std::vector<Value> items(size_t(op - 0x84));
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        tuple(std::move(items));
        break;
      }
      case 'Q': check_storage(pop()); push(Value()); break;  // BINPERSID
      case 'P': line(); push(Value()); break;                // PERSID
      // The rest, by their stack effect.
      case 'N':
      case 0x88:
      case 0x89:
      case ']':
      case '}':
      case 0x8f:
      case 0x97: push(Value()); break;
      case 'F': line(); push(Value()); break;
      case 'G': little_endian(8); push(Value()); break;
      case 0x82: little_endian(1); push(Value()); break;
      case 0x83: little_endian(2); push(Value()); break;
      case 0x84: little_endian(4); push(Value()); break;
      case 0x98: break;  // READONLY_BUFFER
      case 'a':
      case 'b': pop(); break;                   // APPEND, BUILD
      case 's': pop(); pop(); break;            // SETITEM
      case 'e':
      case 'u':
      case 0x90: pop_to_mark(); break;          // APPENDS, SETITEMS, ADDITEMS (the container stays)
      case 'l':
      case 'd':
      case 'o':
      case 0x91: pop_to_mark(); push(Value()); break;  // LIST, DICT, OBJ, FROZENSET
      case 'i': line(); line(); pop_to_mark(); push(Value()); break;  // INST
      case 'R':
      case 0x81: pop(); pop(); push(Value()); break;                  // REDUCE, NEWOBJ
      case 0x92: pop(); pop(); pop(); push(Value()); break;           // NEWOBJ_EX
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        throw fail(std::string("unknown opcode ") + hex + " (corrupt)");
      }
    }
  }
}

void check_pickle_records(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return Error("model file " + path + ": not a loadable TorchScript module: " + why);
  };
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const std::string& record : reader.getAllRecords()) {
      if (record.size() < 3 || record.compare(record.size() - 3, 3, "pkl") != 0) continue;
      auto [bytes, size] = reader.getRecord(record);
      // LibTorch reads an archive's tensors from "<archive>/<key>" or, in
      // newer files, ".data/<key>"; a storage must fit whichever it picks.
      const std::string archive = record.substr(0, record.find_last_of('.'));
      const StorageSize storage_size = [&](const std::string& key) {
        int64_t smallest = -1;
        for (const std::string& candidate : {archive + "/" + key, ".data/" + key})
          if (reader.hasRecord(candidate)) {
            const auto n = int64_t(reader.getRecordSize(candidate));
            smallest = smallest < 0 ? n : std::min(smallest, n);
          }
        return smallest;
      };
      scan_pickle(bytes.get(), size, record, storage_size);
    }
  } catch (const Error& e) {
    throw fail(e.what());
  } catch (const std::exception& e) {  // c10::Error from the zip reader: a damaged archive
    const std::string msg = e.what();
    throw fail(msg.substr(0, msg.find('\n')));
  }
}

}  // namespace cartoonize
