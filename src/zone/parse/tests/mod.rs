//! Tests of the zone-file parser.
