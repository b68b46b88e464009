// Must NOT compile with the actors layer's include paths: actors never see the edge.
#include "net/json.h"
