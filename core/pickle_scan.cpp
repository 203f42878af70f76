#include "pickle_scan.h"

#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>

#include "error.h"

namespace cartoonize {
namespace {

// What follows an opcode (Python's Lib/pickletools.py lists them all).
enum class Arg { None, Fixed, Len1, Len4, Len4Signed, Len8, Line, TwoLines, Memo1, Memo4, MemoLine, Proto, Unknown };

struct OpInfo {
  Arg arg;
  int fixed;  // bytes, for Arg::Fixed
  const char* name;
};

OpInfo op_info(unsigned char op) {
  switch (op) {
    // No argument.
    case '(': return {Arg::None, 0, "MARK"};
    case '.': return {Arg::None, 0, "STOP"};
    case '0': return {Arg::None, 0, "POP"};
    case '1': return {Arg::None, 0, "POP_MARK"};
    case '2': return {Arg::None, 0, "DUP"};
    case 'N': return {Arg::None, 0, "NONE"};
    case 'Q': return {Arg::None, 0, "BINPERSID"};
    case 'R': return {Arg::None, 0, "REDUCE"};
    case 'a': return {Arg::None, 0, "APPEND"};
    case 'b': return {Arg::None, 0, "BUILD"};
    case 'd': return {Arg::None, 0, "DICT"};
    case '}': return {Arg::None, 0, "EMPTY_DICT"};
    case 'e': return {Arg::None, 0, "APPENDS"};
    case 'l': return {Arg::None, 0, "LIST"};
    case ']': return {Arg::None, 0, "EMPTY_LIST"};
    case 'o': return {Arg::None, 0, "OBJ"};
    case 's': return {Arg::None, 0, "SETITEM"};
    case 't': return {Arg::None, 0, "TUPLE"};
    case ')': return {Arg::None, 0, "EMPTY_TUPLE"};
    case 'u': return {Arg::None, 0, "SETITEMS"};
    case 0x81: return {Arg::None, 0, "NEWOBJ"};
    case 0x85: return {Arg::None, 0, "TUPLE1"};
    case 0x86: return {Arg::None, 0, "TUPLE2"};
    case 0x87: return {Arg::None, 0, "TUPLE3"};
    case 0x88: return {Arg::None, 0, "NEWTRUE"};
    case 0x89: return {Arg::None, 0, "NEWFALSE"};
    case 0x8f: return {Arg::None, 0, "EMPTY_SET"};
    case 0x90: return {Arg::None, 0, "ADDITEMS"};
    case 0x91: return {Arg::None, 0, "FROZENSET"};
    case 0x92: return {Arg::None, 0, "NEWOBJ_EX"};
    case 0x93: return {Arg::None, 0, "STACK_GLOBAL"};
    case 0x94: return {Arg::None, 0, "MEMOIZE"};
    case 0x97: return {Arg::None, 0, "NEXT_BUFFER"};
    case 0x98: return {Arg::None, 0, "READONLY_BUFFER"};
    // Fixed-size arguments.
    case 'K': return {Arg::Fixed, 1, "BININT1"};
    case 'h': return {Arg::Fixed, 1, "BINGET"};
    case 0x82: return {Arg::Fixed, 1, "EXT1"};
    case 'M': return {Arg::Fixed, 2, "BININT2"};
    case 0x83: return {Arg::Fixed, 2, "EXT2"};
    case 'J': return {Arg::Fixed, 4, "BININT"};
    case 'j': return {Arg::Fixed, 4, "LONG_BINGET"};
    case 0x84: return {Arg::Fixed, 4, "EXT4"};
    case 'G': return {Arg::Fixed, 8, "BINFLOAT"};
    case 0x80: return {Arg::Proto, 1, "PROTO"};
    // Memo writes: LibTorch grows its memo table to the index.
    case 'q': return {Arg::Memo1, 1, "BINPUT"};
    case 'r': return {Arg::Memo4, 4, "LONG_BINPUT"};
    case 'p': return {Arg::MemoLine, 0, "PUT"};
    // Length-prefixed data: the lengths LibTorch reserves before reading.
    case 'U': return {Arg::Len1, 0, "SHORT_BINSTRING"};
    case 'C': return {Arg::Len1, 0, "SHORT_BINBYTES"};
    case 0x8c: return {Arg::Len1, 0, "SHORT_BINUNICODE"};
    case 0x8a: return {Arg::Len1, 0, "LONG1"};
    case 'X': return {Arg::Len4, 0, "BINUNICODE"};
    case 'B': return {Arg::Len4, 0, "BINBYTES"};
    case 'T': return {Arg::Len4Signed, 0, "BINSTRING"};
    case 0x8b: return {Arg::Len4Signed, 0, "LONG4"};
    case 0x8d: return {Arg::Len8, 0, "BINUNICODE8"};
    case 0x8e: return {Arg::Len8, 0, "BINBYTES8"};
    case 0x96: return {Arg::Len8, 0, "BYTEARRAY8"};
    case 0x95: return {Arg::Len8, 0, "FRAME"};  // its bytes are opcodes: checked, then walked
    // Newline-terminated text arguments (protocol 0).
    case 'I': return {Arg::Line, 0, "INT"};
    case 'L': return {Arg::Line, 0, "LONG"};
    case 'F': return {Arg::Line, 0, "FLOAT"};
    case 'S': return {Arg::Line, 0, "STRING"};
    case 'V': return {Arg::Line, 0, "UNICODE"};
    case 'g': return {Arg::Line, 0, "GET"};
    case 'P': return {Arg::Line, 0, "PERSID"};
    case 'c': return {Arg::TwoLines, 0, "GLOBAL"};
    case 'i': return {Arg::TwoLines, 0, "INST"};
    default: return {Arg::Unknown, 0, "?"};
  }
}

}  // namespace

void scan_pickle(const void* data, size_t size, const std::string& name) {
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
  auto skip = [&](uint64_t n) {
    need(n, "declares ");
    pos += size_t(n);
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
  // A pickler numbers memo slots 0, 1, 2, ... one PUT (at least one byte)
  // each, so a real index is always below the pickle's size.
  auto memo = [&](uint64_t index) {
    if (index >= size)
      throw fail("memo index " + std::to_string(index) + " exceeds the pickle's " + std::to_string(size) +
                 " bytes (corrupt)");
  };
  for (;;) {
    at = pos;
    op_name = "end";
    if (pos >= size) throw fail("no STOP opcode before the end (truncated)");
    const unsigned char op = p[pos++];
    const OpInfo info = op_info(op);
    op_name = info.name;
    switch (info.arg) {
      case Arg::None:
        if (op == '.') return;  // STOP: LibTorch reads nothing after it
        break;
      case Arg::Fixed: little_endian(info.fixed); break;
      case Arg::Proto:
        if (little_endian(1) > 5) throw fail("unknown protocol " + std::to_string(p[pos - 1]));
        break;
      case Arg::Memo1: memo(little_endian(1)); break;
      case Arg::Memo4: memo(little_endian(4)); break;
      case Arg::MemoLine: {
        const std::string text = line();
        uint64_t v = 0;
        if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
          throw fail("bad memo index '" + text.substr(0, 32) + "'");
        for (char c : text) v = v * 10 + uint64_t(c - '0');
        memo(v);
        break;
      }
      case Arg::Len1: skip(little_endian(1)); break;
      case Arg::Len4: skip(little_endian(4)); break;
      case Arg::Len4Signed: {
        const uint64_t n = little_endian(4);
        if (n & 0x80000000u) throw fail("negative length (corrupt)");
        skip(n);
        break;
      }
      case Arg::Len8: {
        const uint64_t n = little_endian(8);
        need(n, "declares ");
        if (op != 0x95) pos += size_t(n);  // a FRAME's contents are opcodes, walked next
        break;
      }
      case Arg::Line: line(); break;
      case Arg::TwoLines:
        line();
        line();
        break;
      case Arg::Unknown: {
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
      scan_pickle(bytes.get(), size, record);
    }
  } catch (const Error& e) {
    throw fail(e.what());
  } catch (const std::exception& e) {  // c10::Error from the zip reader: a damaged archive
    const std::string msg = e.what();
    throw fail(msg.substr(0, msg.find('\n')));
  }
}

}  // namespace cartoonize
