// The single translation unit that compiles Boost.Asio (with SSL) for the whole project.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
