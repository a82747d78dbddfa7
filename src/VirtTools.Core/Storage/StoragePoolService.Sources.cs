using System.Net;
using System.Xml.Linq;
using VirtTools.Guests;

namespace VirtTools.Storage;

/// <summary>
/// Logical (LVM) and netfs pools: what virsh pool-define-as NAME logical --source-name VG [--source-dev DEV]
/// and NAME netfs --source-host H --source-path P --target DIR write, after checks libvirt does not make
/// (a device the host is using, a server name that is not one, a source another pool already has).
/// </summary>
public sealed partial class StoragePoolService
{
    private XElement PlanLogical(StoragePoolRequest r)
    {
        if (r.SourceHost is not null || r.SourcePath is not null)
            throw InvalidSource(r, "-SourceHost and -SourcePath are for netfs pools; a logical pool takes -VolumeGroup and -SourceDevice");
        var vg = r.VolumeGroup ?? r.Name;
        // lvm's rule for VG names: letters, digits and + _ . -, not starting with '-'; '.' and '..' are directories under /dev.
        if (!InputText.IsPlain(vg, "+_.-", 127))
            throw new VirtToolsException(Ids.InvalidSource, FailureKind.InvalidArgument,
                $"'{InputText.Shown(vg)}' is not a usable volume group name: LVM takes letters, digits, '+', '_', '.' and '-', starting with a letter or digit, at most 127. {NothingCreated}",
                vg, r.VolumeGroup is null ? "Give the volume group with -VolumeGroup (it defaults to the pool's name)." : "Give the volume group's name as vgs shows it.");
        var target = "/dev/" + vg;
        if (r.Path is { } p && p.TrimEnd('/') != target)
            throw new VirtToolsException(Ids.InvalidPath, FailureKind.InvalidArgument,
                $"A logical pool's volumes are the volume group's device nodes in {target}; -Path {InputText.Shown(p)} cannot move them. {NothingCreated}", p,
                "Leave -Path out for a logical pool.");
        foreach (var other in c.ListStoragePools())
            using (other)
                if (Read(other, c.Uri) is { Type: "logical" } o && (o.Source == vg || o.Path?.TrimEnd('/') == target))
                    throw new VirtToolsException(Ids.PathInUse, FailureKind.ResourceExists,
                        $"Storage pool '{o.Name}' already is volume group {vg}: two pools on one group would each delete the other's volumes. {NothingCreated}",
                        vg, $"Use pool '{o.Name}'.");

        var source = new XElement("source");
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var local = GuestCreator.IsLocalUri(c.Uri);
        var usage = new BlockDeviceUsage(host.Files);
        foreach (var dev in r.SourceDevices)
        {
            if (string.IsNullOrEmpty(dev) || !dev.StartsWith("/dev/", StringComparison.Ordinal) || dev.Split('/').Any(s => s is "." or "..") || InputText.FirstControl(dev) is not null)
                throw new VirtToolsException(Ids.InvalidSource, FailureKind.InvalidArgument,
                    $"-SourceDevice '{InputText.Shown(dev)}' is not a device path under /dev. {NothingCreated}", dev,
                    "Give whole disks or partitions by path, e.g. -SourceDevice /dev/sdb or /dev/disk/by-id/...");
            var key = dev;
            // The checks read this host: on a remote URI the devices are the other host's, and libvirt's build checks their signatures there.
            if (local)
            {
                var name = usage.KernelName(dev) ?? throw new VirtToolsException(Ids.DeviceNotFound, FailureKind.ObjectNotFound,
                    $"{dev} is not a block device on this host. {NothingCreated}", dev, "List block devices with lsblk and give one of them.");
                if (usage.WhyInUse(name) is { } why)
                    throw new VirtToolsException(Ids.DeviceInUse, FailureKind.ResourceBusy,
                        $"{dev} cannot become part of volume group {vg}: {why}. Writing an LVM label over it would destroy what the host is using. {NothingCreated}",
                        dev, "Choose a device nothing uses (lsblk shows mount points and holders).");
                key = name;
            }
            if (seen.TryGetValue(key, out var first))
                throw InvalidSource(r, $"{dev} and {first} are the same device");
            seen[key] = dev;
            source.Add(new XElement("device", new XAttribute("path", dev)));
        }
        source.Add(new XElement("name", vg), new XElement("format", new XAttribute("type", "lvm2")));
        return new XElement("pool", new XAttribute("type", "logical"), new XElement("name", r.Name), source,
            new XElement("target", new XElement("path", target)));
    }

    private XElement PlanNetfs(StoragePoolRequest r)
    {
        if (r.VolumeGroup is not null || r.SourceDevices.Count > 0)
            throw InvalidSource(r, "-VolumeGroup and -SourceDevice are for logical pools; a netfs pool takes -SourceHost and -SourcePath");
        var server = r.SourceHost;
        if (string.IsNullOrEmpty(server) || !(IPAddress.TryParse(server, out _) || InputText.IsPlain(server, ".-", 253)) || server.EndsWith('-'))
            throw new VirtToolsException(Ids.InvalidSource, FailureKind.InvalidArgument,
                $"-SourceHost '{InputText.Shown(server)}' is not a host name or an IP address. {NothingCreated}", server,
                "Give the file server, e.g. -SourceHost nfs01.example.com or -SourceHost 192.0.2.10.");
        var dir = r.SourcePath;
        var cifs = r.SourceFormat == NetworkFileSystemFormat.Cifs;
        // NFS exports and Gluster volumes are paths ("/export/images", "/gv0"); a CIFS share is a name that libvirt puts after //HOST/.
        if (string.IsNullOrEmpty(dir) || InputText.FirstControl(dir) is not null || dir.Split('/').Any(s => s is "." or "..")
            || (!cifs && !dir.StartsWith('/')) || (cifs && dir.Trim('/').Length == 0))
            throw new VirtToolsException(Ids.InvalidSource, FailureKind.InvalidArgument,
                $"-SourcePath '{InputText.Shown(dir)}' is not {(cifs ? "a share name" : "an absolute export path")} without '.' or '..' components. {NothingCreated}", dir,
                cifs ? "Give the share, e.g. -SourcePath images." : "Give the export as the server lists it (showmount -e SERVER), e.g. -SourcePath /export/images.");
        if (cifs) dir = dir.Trim('/');
        else if (dir.Length > 1) dir = dir.TrimEnd('/');
        var format = r.SourceFormat.ToString().ToLowerInvariant();
        foreach (var other in c.ListStoragePools())
            using (other)
                if (Read(other, c.Uri) is { Type: "netfs" } o && o.Source == SourceText(server, dir, format))
                    throw new VirtToolsException(Ids.PathInUse, FailureKind.ResourceExists,
                        $"Storage pool '{o.Name}' already mounts {o.Source}: two pools on one export would each delete the other's volumes. {NothingCreated}",
                        o.Source, $"Use pool '{o.Name}'.");
        var target = CheckTargetPath(r, "libvirt mounts the file system on a directory");
        return new XElement("pool", new XAttribute("type", "netfs"), new XElement("name", r.Name),
            new XElement("source", new XElement("host", new XAttribute("name", server)), new XElement("dir", new XAttribute("path", dir)),
                new XElement("format", new XAttribute("type", format))),
            new XElement("target", new XElement("path", target)));
    }

    private static VirtToolsException InvalidSource(StoragePoolRequest r, string why) =>
        new(Ids.InvalidSource, FailureKind.InvalidArgument, $"Storage pool '{r.Name}': {why}. {NothingCreated}", r.Name,
            "See Get-Help New-VMStoragePool -Parameter Type for which parameters each type takes.");

    /// <summary>What a pool is made from, as admins write it: SERVER:/export (//SERVER/share for CIFS), or the volume group's name.</summary>
    public static string? SourceText(XElement? source)
    {
        if (source is null) return null;
        var server = (string?)source.Element("host")?.Attribute("name");
        var dir = (string?)source.Element("dir")?.Attribute("path");
        if (server is not null && dir is not null) return SourceText(server, dir, (string?)source.Element("format")?.Attribute("type"));
        return (string?)source.Element("name") ?? source.Elements("device").Select(d => (string?)d.Attribute("path")).FirstOrDefault();
    }

    private static string SourceText(string server, string dir, string? format) =>
        format == "cifs" ? $"//{server}/{dir.Trim('/')}" : $"{server}:{dir}";
}
