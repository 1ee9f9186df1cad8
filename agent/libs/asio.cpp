// Boost.Asio's and Boost.Asio SSL's compiled parts (BOOST_ASIO_SEPARATE_COMPILATION), built once instead of in every
// translation unit that includes Asio.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
