// How the store answers an asynchronous write: once, on the writer thread, after the write's
// transaction committed (or failed as a whole).
#ifndef PUSHGATE_STORE_CALLBACK_H_
#define PUSHGATE_STORE_CALLBACK_H_

#include <functional>

#include "absl/status/statusor.h"

namespace pushgate::store {

template <typename T>
using Callback = std::function<void(absl::StatusOr<T>)>;

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_CALLBACK_H_
