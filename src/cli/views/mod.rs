//! ipvsadm's text views (filled in by the views work).
