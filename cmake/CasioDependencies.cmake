# Every external dependency is found here, once. All come from Debian 12 packages
# (see scripts/install-deps).
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(yaml-cpp REQUIRED)
if(CASIO_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()
