//! ipvsadm's argument grammar (filled in by the parser work).
