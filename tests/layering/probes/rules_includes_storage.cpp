// Must NOT compile with the rules layer's include paths: rules are pure.
#include "storage/sha256.h"
