//! IPVS generic-netlink attributes: one enum per attribute namespace and the
//! conversions between them and `model` values.
