// The .syncignore files of a sync folder, read from disk for the (pure)
// ignore matcher of actors/rules/ignore.h: beneath the sync root's
// descriptor, no link followed (a .syncignore that is a link is not read,
// as git does not read a linked .gitignore).
#pragma once

#include <memory>
#include <string>

#include "actors/rules/ignore.h"

namespace syncer {

// A reader for the folder `root`. A folder that cannot be opened reads as
// one with no .syncignore files.
std::shared_ptr<ignore_file_reader> ignore_files_in(const std::string& root);

}  // namespace syncer
