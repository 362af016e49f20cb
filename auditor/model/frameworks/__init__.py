"""One adapter per web framework; `registry` lists them."""
