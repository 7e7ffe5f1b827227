// Boost.JSON's compiled part, built header-only in exactly this one translation unit (Debian's
// libboost-json1.81-dev is not among the project's packages). Any other library that wants
// Boost.JSON links pushgate_webhook_core instead of including src.hpp again, or the linker sees
// the definitions twice.
#include <boost/json/src.hpp>  // IWYU pragma: keep
