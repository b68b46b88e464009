// MUST compile with the net layer's include paths (the control: the probes above fail for their include only).
#include "actors/rules/path_rules.h"
#include "actors/rules/outcome.h"
#include "storage/sha256.h"
int main() { return syncer::is_sha256_hex("x") ? 1 : 0; }
