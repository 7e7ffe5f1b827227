// Keyset paging shared by the list RPCs: the store is asked for one row more than the page, so
// whether another page follows is known without a count query.
#ifndef PUSHGATE_GRPC_PAGING_H_
#define PUSHGATE_GRPC_PAGING_H_

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "grpc/registration_validation.h"

namespace pushgate::grpc_api {

// The limit to give the store for a page of `page_size` rows.
inline int FetchLimitForPage(int page_size) { return page_size + 1; }

// Adds at most `page_size` of `rows` (newest first, each with an `id`) through `add`, and
// returns the token of the next page ("" on the last one).
template <typename Row, typename AddRow>
std::string FillPage(const std::vector<Row>& rows, int page_size, AddRow add) {
  const size_t shown = std::min(rows.size(), static_cast<size_t>(page_size));
  for (size_t i = 0; i < shown; ++i) add(rows[i]);
  if (rows.size() > shown && shown > 0) return EncodePageToken(rows[shown - 1].id);
  return "";
}

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_PAGING_H_
