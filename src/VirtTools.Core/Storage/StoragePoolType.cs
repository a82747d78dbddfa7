namespace VirtTools;

/// <summary>The pool types New-VMStoragePool makes: a directory, an LVM volume group, a network file system libvirt mounts.</summary>
public enum StoragePoolType { Dir, Logical, Netfs }

/// <summary>libvirt's netfs source formats (formatstorage: nfs, cifs, glusterfs, auto).</summary>
public enum NetworkFileSystemFormat { Nfs, Cifs, Glusterfs, Auto }
