// Must NOT compile with the net layer's include paths: the edge never reaches the CLI.
#include "cli/config.h"
