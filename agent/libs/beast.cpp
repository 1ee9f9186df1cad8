// Boost.Beast's compiled part (BOOST_BEAST_SEPARATE_COMPILATION), built once instead of in every translation unit
// that includes Beast.
#include <boost/beast/src.hpp>
