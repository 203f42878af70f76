// A deliberately small JSON reader for tfjs weight manifests.
//
// Why hand-written instead of nlohmann_json: core/ (and therefore these
// networks) is built on the GPU machine with -Dcore_only=true, where only
// LibTorch is guaranteed; the trainer's losses need the nets there. A manifest
// is a few KB of plain JSON, so ~150 lines of recursive descent is cheaper than
// an optional dependency and a second code path.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace cartoonize::faceapi::json {

struct Value;
using Array = std::vector<Value>;
using Object = std::map<std::string, Value>;

struct Value {
  // null, bool, number, string, array, object. Arrays/objects are held by
  // pointer so Value stays a complete type inside its own containers.
  std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v = nullptr;

  bool is_number() const { return std::holds_alternative<double>(v); }
  bool is_string() const { return std::holds_alternative<std::string>(v); }
  bool is_array() const { return std::holds_alternative<std::shared_ptr<Array>>(v); }
  bool is_object() const { return std::holds_alternative<std::shared_ptr<Object>>(v); }

  // Typed access; throw cartoonize::Error naming `what` on a type mismatch.
  double number(const std::string& what) const;
  const std::string& string(const std::string& what) const;
  const Array& array(const std::string& what) const;
  const Object& object(const std::string& what) const;
};

// Parses a whole document (trailing garbage is an error). Throws
// cartoonize::Error "<origin>: JSON error at line L: ..." on malformed input.
Value parse(const std::string& text, const std::string& origin);

// Member `key` of an object, or nullptr if absent.
const Value* find(const Object& o, const std::string& key);

}  // namespace cartoonize::faceapi::json
