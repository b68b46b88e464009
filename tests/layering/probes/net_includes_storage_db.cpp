// Must NOT compile with the net layer's include paths: only two storage headers are exposed.
#include "storage/server_db.h"
