// simdjson helpers shared by every parse_* function (see net/json/reader.h).
#include "net/json/reader.h"

namespace syncer::json::detail {

namespace {
// One parser per thread: simdjson parsers reuse their buffers.
dom::parser& thread_parser(size_t next_size) {
  thread_local dom::parser parser;
  // A parser keeps the capacity of the largest document it has seen (a full
  // /sync is MiBs); give it back once the documents are small again.
  if (parser.capacity() > (size_t{4} << 20) && next_size < (size_t{1} << 20)) parser = dom::parser{};
  return parser;
}
}  // namespace

bool parse_document(std::string_view body, dom::element* out, std::string* error) {
  simdjson::padded_string padded(body);
  // The parser's document must outlive `out`; parse into the thread's
  // parser, whose document lives until the next parse on this thread.
  auto result = thread_parser(body.size()).parse(padded);
  if (result.error()) {
    if (error) *error = std::string("malformed JSON: ") + simdjson::error_message(result.error());
    return false;
  }
  *out = result.value_unsafe();
  return true;
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

bool read_string(dom::object obj, const char* key, std::string* out, bool required, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return required ? fail(error, std::string("missing field '") + key + "'") : true;
  std::string_view sv;
  if (field.get(sv)) {
    if (field.is_null() && !required) return true;
    return fail(error, std::string("field '") + key + "' must be a string");
  }
  *out = std::string(sv);
  return true;
}

bool read_uint(dom::object obj, const char* key, uint64_t* out, bool required, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return required ? fail(error, std::string("missing field '") + key + "'") : true;
  uint64_t v;
  if (field.get(v)) return fail(error, std::string("field '") + key + "' must be a non-negative integer");
  *out = v;
  return true;
}

bool read_int(dom::object obj, const char* key, int64_t* out, bool required, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return required ? fail(error, std::string("missing field '") + key + "'") : true;
  int64_t v;
  if (field.get(v)) return fail(error, std::string("field '") + key + "' must be an integer");
  *out = v;
  return true;
}

bool read_bool(dom::object obj, const char* key, bool* out, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return true;
  bool v;
  if (field.get(v)) return fail(error, std::string("field '") + key + "' must be true or false");
  *out = v;
  return true;
}

bool read_version(dom::object obj, const char* key, version_vector* out, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return true;
  if (field.is_null()) return true;
  dom::object vobj;
  if (field.get(vobj)) return fail(error, std::string("field '") + key + "' must be an object of counters");
  version_vector v;
  for (auto [id, value] : vobj) {
    uint64_t counter;
    if (value.get(counter)) return fail(error, "version counters must be non-negative integers");
    if (id.empty() || id.find_first_of(",: ") != std::string_view::npos)
      return fail(error, "version ids must be non-empty and contain no ',', ':' or space");
    v.set(std::string(id), counter);
  }
  *out = std::move(v);
  return true;
}

bool read_entry(dom::element el, file_entry* e, bool path_required, std::string* error, bool with_type) {
  dom::object obj;
  if (el.get(obj)) return fail(error, "a file entry must be a JSON object");
  if (!read_string(obj, "path", &e->path, path_required, error)) return false;
  if (!read_string(obj, "sha256", &e->sha256, false, error)) return false;
  if (!read_uint(obj, "size", &e->size, false, error)) return false;
  if (!read_int(obj, "mtime", &e->mtime_ns, false, error)) return false;
  if (!read_version(obj, "version", &e->version, error)) return false;
  if (!read_bool(obj, "deleted", &e->deleted, error)) return false;
  if (with_type) {
    std::string type = "file";
    if (!read_string(obj, "type", &type, false, error)) return false;
    if (type != "file" && type != "dir") return fail(error, "field 'type' must be \"file\" or \"dir\"");
    e->is_dir = type == "dir";
  } else if (!read_bool(obj, "is_dir", &e->is_dir, error)) {
    return false;
  }
  if (!read_string(obj, "origin", &e->origin, false, error)) return false;
  if (!read_uint(obj, "sequence", &e->sequence, false, error)) return false;
  return true;
}

bool read_entry_array(dom::object obj, const char* key, std::vector<file_entry>* out, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return fail(error, std::string("missing field '") + key + "'");
  dom::array arr;
  if (field.get(arr)) return fail(error, std::string("field '") + key + "' must be an array");
  out->reserve(arr.size());
  for (auto item : arr) {
    file_entry e;
    if (!read_entry(item, &e, true, error)) return false;
    out->push_back(std::move(e));
  }
  return true;
}

bool read_string_array(dom::object obj, const char* key, std::vector<std::string>* out, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return true;
  dom::array arr;
  if (field.get(arr)) return fail(error, std::string("field '") + key + "' must be an array");
  for (auto item : arr) {
    std::string_view sv;
    if (item.get(sv)) return fail(error, std::string("field '") + key + "' must hold strings");
    out->emplace_back(sv);
  }
  return true;
}

bool root_object(std::string_view body, dom::object* obj, std::string* error) {
  dom::element root;
  if (!parse_document(body, &root, error)) return false;
  if (root.get(*obj)) return fail(error, "the JSON body must be an object");
  return true;
}

}  // namespace syncer::json::detail
