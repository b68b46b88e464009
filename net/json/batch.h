// JSON codecs of the many-files-at-once requests: POST /batch (manifest
// line and results) and POST /objects (request and the answer's sizes
// line). Parse functions return nullopt and one sentence in `error` on
// bad input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/hub_api.h"
#include "actors/messages.h"

namespace syncer::json {

// POST /batch: the manifest line {"changes":[{"op":"upload|link|mkdir|delete", entry fields}]}
// (content not included), the answer {"results":[{"status":N, change result fields}]}.
std::string batch_manifest_json(const std::vector<batch_change>& changes);
std::optional<std::vector<batch_change>> parse_batch_manifest(std::string_view body, std::string* error);
std::string batch_results_json(const std::vector<change_result>& results);
std::optional<std::vector<batch_outcome>> parse_batch_results(std::string_view body, std::string* error);
// POST /objects: {"sha256":[...]} -> list; the answer's first line {"sizes":[n|null,...]}.
std::optional<std::vector<std::string>> parse_objects_request(std::string_view body, std::string* error);
std::string objects_sizes_json(const std::vector<std::optional<uint64_t>>& sizes);
std::optional<std::vector<std::optional<uint64_t>>> parse_objects_sizes(std::string_view line, std::string* error);

}  // namespace syncer::json
