namespace VirtTools.Libvirt;

/// <summary>virDomainSnapshotXMLFlags: Secure keeps the passwords of the domain inside the snapshot, which a redefinition elsewhere needs.</summary>
[Flags] public enum SnapshotXmlFlags : uint { None = 0, Secure = 1 }
