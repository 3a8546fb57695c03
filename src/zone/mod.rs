//! Zone files and the zone tree.
