// Must NOT compile with the storage layer's include paths: storage knows no actors.
#include "actors/messages.h"
