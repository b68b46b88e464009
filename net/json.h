// JSON codecs of the wire shapes in docs/api.md, one file per message
// family in net/json/ (this header includes them all). Parsing uses
// simdjson (kept inside net/json/*.cpp); writing is plain string building.
// Every parse function returns nullopt and one sentence in `error` on bad
// input, so the edge can answer 400 without throwing.
//
//   net/json/writer.h   quote, error bodies, version vectors
//   net/json/entries.h  file entries, /register, /sync, /link, change answers, /files
//   net/json/events.h   WebSocket events and event batches
//   net/json/batch.h    POST /batch manifest and results, POST /objects
//   net/json/delta.h    GET /blocks and GET /delta
//   net/json/reports.h  /inspect actor states, /conflicts, error bodies read back
//   net/json/history.h  /history, /restore, /gc, /store
#pragma once

#include "net/json/batch.h"
#include "net/json/delta.h"
#include "net/json/entries.h"
#include "net/json/events.h"
#include "net/json/history.h"
#include "net/json/reports.h"
#include "net/json/writer.h"
