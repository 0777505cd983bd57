package dev.jmesh.dataplane.xds;

/**
 * Where the client stands for one resource type, for the admin endpoint ({@code /config_dump},
 * {@code /ready}).
 *
 * @param type the resource type
 * @param acceptedVersion the {@code version_info} last ACKed; empty before any
 * @param resources how many resources of the type are in force
 * @param lastRejection the {@code error_detail} of the last NACK, empty once a version is ACKed
 */
public record XdsTypeStatus(
    XdsResourceType type, String acceptedVersion, int resources, String lastRejection) {}
