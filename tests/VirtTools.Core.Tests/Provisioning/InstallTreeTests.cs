using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using DiscUtils.Iso9660;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Provisioning;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Provisioning;

/// <summary>
/// New-VMGuest -InstallSource: installer kernels found in trees laid out as the distributions publish them
/// (made here as directories, ISOs and a local web server; no network), the install arguments, and the plan
/// on libvirt's test driver.
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class InstallTreeTests : TestDriverPool
{
    public InstallTreeTests() : base("vt-tree-") { }

    /// <summary>The published layouts (kernel, initrd) of each tree, relative to the tree's root as it is given.</summary>
    public static TheoryData<string, string, string, InstallTreeFlavor, string> Layouts => new()
    {
        { "sle15", "boot/x86_64/loader/linux", "boot/x86_64/loader/initrd", InstallTreeFlavor.Suse, "x86_64" },
        { "sle15-arm", "boot/aarch64/linux", "boot/aarch64/initrd", InstallTreeFlavor.Suse, "aarch64" },
        { "debian-cd", "install.amd/vmlinuz", "install.amd/initrd.gz", InstallTreeFlavor.Debian, "x86_64" },
        { "debian-dists", "main/installer-amd64/current/images/netboot/debian-installer/amd64/linux",
            "main/installer-amd64/current/images/netboot/debian-installer/amd64/initrd.gz", InstallTreeFlavor.Debian, "x86_64" },
        { "debian-installer-amd64", "current/images/netboot/debian-installer/amd64/linux",
            "current/images/netboot/debian-installer/amd64/initrd.gz", InstallTreeFlavor.Debian, "x86_64" },
        { "ubuntu-live", "casper/vmlinuz", "casper/initrd", InstallTreeFlavor.Ubuntu, "x86_64" },
        { "rocky9", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", InstallTreeFlavor.RedHat, "x86_64" },
    };

    /// <summary>A tree with the kernel and initrd (distinct contents) and the files around them that real trees have.</summary>
    private string Tree(string name, string kernel, string initrd)
    {
        var dir = Path.Combine(_root, name);
        Write(dir, kernel, Kernel(kernel));
        Write(dir, initrd, Encoding.ASCII.GetBytes("initrd of " + name + new string('i', 5000)));
        Write(dir, "README", "a distribution"u8.ToArray());
        return dir;
    }

    private static byte[] Kernel(string path) => Encoding.ASCII.GetBytes("bzImage " + path + new string('k', 3000));

    private static void Write(string dir, string relative, byte[] data)
    {
        var f = Path.Combine(dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(f)!);
        File.WriteAllBytes(f, data);
    }

    private static InstallTree Detect(string spec)
    {
        using var r = InstallTreeReader.Open(spec);
        return InstallTree.Detect(r);
    }

    /// <summary>A file of the tree, whole, as the upload reads it.</summary>
    private static byte[] ReadFile(string spec, string relative)
    {
        using var r = InstallTreeReader.Open(spec);
        using var s = r.Open(relative, out var n);
        var read = new byte[n];
        s.ReadExactly(read);
        return read;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Each_published_layout_is_found_in_a_directory(string name, string kernel, string initrd, InstallTreeFlavor flavor, string arch)
    {
        var dir = Tree(name, kernel, initrd);
        var t = Detect(dir);
        Assert.Equal((flavor, arch, kernel, initrd, InstallSourceKind.Directory), (t.Flavor, t.Arch, t.KernelPath, t.InitrdPath, t.Kind));
        Assert.Equal(Kernel(kernel).Length, t.KernelBytes);
        Assert.Equal(Kernel(kernel), ReadFile(dir, t.KernelPath));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Each_layout_is_found_in_an_iso_with_joliet_names_and_in_one_with_only_iso9660_names(string name, string kernel, string initrd, InstallTreeFlavor flavor, string arch)
    {
        foreach (var joliet in new[] { true, false })
        {
            var b = new CDBuilder { UseJoliet = joliet, VolumeIdentifier = "INSTALL" };
            b.AddFile(kernel, Kernel(kernel));
            b.AddFile(initrd, Encoding.ASCII.GetBytes("initrd " + name));
            b.AddFile("content", "x"u8.ToArray());
            var iso = Path.Combine(_root, $"{name}-{joliet}.iso");
            using (var f = File.Create(iso)) b.Build(f);
            var t = Detect(iso);
            Assert.Equal((flavor, arch, InstallSourceKind.Iso, iso), (t.Flavor, t.Arch, t.Kind, t.Location));
            Assert.Equal(Kernel(kernel), ReadFile(iso, t.KernelPath));
        }
    }

    [Fact]
    public void A_file_url_reads_the_directory()
    {
        var dir = Tree("file-url", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img");
        var t = Detect(new Uri(dir).AbsoluteUri);
        Assert.Equal((InstallTreeFlavor.RedHat, InstallSourceKind.Directory), (t.Flavor, t.Kind));
    }

    [Fact]
    public void An_http_tree_is_probed_and_its_kernel_downloaded_whole_from_a_local_server()
    {
        var dir = Tree("http", "boot/x86_64/loader/linux", "boot/x86_64/loader/initrd");
        using var server = new TreeServer(dir, refuseHead: false);
        var t = Detect(server.Url + "repo/oss");
        Assert.Equal((InstallTreeFlavor.Suse, InstallSourceKind.Url, server.Url + "repo/oss/"), (t.Flavor, t.Kind, t.Location));
        Assert.Contains("HEAD /repo/oss/boot/x86_64/loader/linux", server.Requests);
        Assert.Equal(Kernel("boot/x86_64/loader/linux"), ReadFile(t.Location, t.KernelPath));
        // The download's temporary file goes with its stream.
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "virttools-install-*").Where(f => File.GetLastWriteTimeUtc(f) > DateTime.UtcNow.AddMinutes(-1)));
        var w = new List<string>();
        Assert.Equal($"install={t.Location} console=ttyS0", t.CommandLine("console=ttyS0", w));
        Assert.Empty(w);
    }

    [Fact]
    public void A_server_that_refuses_head_is_probed_with_get()
    {
        var dir = Tree("nohead", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img");
        using var server = new TreeServer(dir, refuseHead: true);
        var t = Detect(server.Url);
        Assert.Equal(("images/pxeboot/vmlinuz", "images/pxeboot/initrd.img"), (t.KernelPath, t.InitrdPath));
        Assert.Contains("GET /images/pxeboot/vmlinuz", server.Requests);
    }

    [Fact]
    public void A_url_nothing_answers_is_unreachable()
    {
        var port = FreePort();
        var e = Assert.Throws<VirtToolsException>(() => Detect($"http://127.0.0.1:{port}/tree/"));
        Assert.Equal(("InstallSourceUnreachable", FailureKind.ResourceUnavailable), (e.ErrorId, e.Kind));
    }

    [Theory]
    [InlineData(InstallTreeFlavor.Suse, InstallSourceKind.Url, "install=http://m/sle/ ")]
    [InlineData(InstallTreeFlavor.Suse, InstallSourceKind.Iso, "install=cd:/ ")]
    [InlineData(InstallTreeFlavor.RedHat, InstallSourceKind.Url, "inst.repo=http://m/sle/ ")]
    [InlineData(InstallTreeFlavor.RedHat, InstallSourceKind.Iso, "inst.repo=cdrom ")]
    [InlineData(InstallTreeFlavor.Debian, InstallSourceKind.Iso, "")]
    [InlineData(InstallTreeFlavor.Ubuntu, InstallSourceKind.Iso, "")]
    public void The_install_argument_comes_before_the_users(InstallTreeFlavor flavor, InstallSourceKind kind, string ours)
    {
        var layout = InstallTreeLayout.All.First(l => l.Flavor == flavor && !l.DebianInstallerNetboot);
        var t = new InstallTree(kind == InstallSourceKind.Url ? "http://m/sle/" : "/isos/x.iso", kind, layout, layout.Kernel, layout.Initrds[0], 1, 1);
        var w = new List<string>();
        Assert.Equal(ours + "console=ttyS0 quiet", t.CommandLine(" console=ttyS0 quiet ", w));
        Assert.Empty(w);
    }

    [Fact]
    public void The_users_own_install_argument_wins_and_a_local_directory_warns()
    {
        var suse = InstallTreeLayout.All[0];
        var url = new InstallTree("http://m/sle/", InstallSourceKind.Url, suse, suse.Kernel, suse.Initrds[0], 1, 1);
        var w = new List<string>();
        Assert.Equal("install=nfs://other/sle", url.CommandLine("install=nfs://other/sle", w));
        var dir = url with { Location = "/srv/sle", Kind = InstallSourceKind.Directory };
        Assert.Equal("", dir.CommandLine(null, w));
        Assert.Contains(w, x => x.Contains("install=URL") && x.Contains("/srv/sle"));
    }

    [Fact]
    public void A_debian_mirror_url_answers_the_installers_mirror_questions()
    {
        var netboot = InstallTreeLayout.All.First(l => l.DebianInstallerNetboot && l.Flavor == InstallTreeFlavor.Debian);
        var t = new InstallTree("https://deb.example.org:8443/debian/dists/bookworm/", InstallSourceKind.Url, netboot, netboot.Kernel, netboot.Initrds[0], 1, 1);
        var w = new List<string>();
        Assert.Equal("mirror/country=manual mirror/protocol=https mirror/https/hostname=deb.example.org:8443 mirror/https/directory=/debian mirror/suite=bookworm priority=low",
            t.CommandLine("priority=low", w));
        Assert.Empty(w);
    }

    [Fact]
    public void An_unknown_tree_names_every_layout_looked_for()
    {
        var dir = Tree("fedora-live", "isolinux/vmlinuz", "isolinux/initrd.img");
        var e = Assert.Throws<VirtToolsException>(() => Detect(dir));
        Assert.Equal(("InstallTreeUnknown", FailureKind.InvalidData), (e.ErrorId, e.Kind));
        foreach (var l in InstallTreeLayout.All) Assert.Contains(l.Kernel, e.Message);
        // A kernel without its initrd is no installer either.
        File.Delete(Path.Combine(Tree("half", "casper/vmlinuz", "casper/initrd"), "casper/initrd"));
        Assert.Equal("InstallTreeUnknown", Assert.Throws<VirtToolsException>(() => Detect(Path.Combine(_root, "half"))).ErrorId);
    }

    [Theory]
    [InlineData("missing", "InstallSourceNotFound", FailureKind.ObjectNotFound)]
    [InlineData("text", "InstallSourceNotIso9660", FailureKind.InvalidData)]
    [InlineData("short", "InstallSourceNotIso9660", FailureKind.InvalidData)]
    [InlineData("nfs", "InstallSourceUnsupported", FailureKind.InvalidArgument)]
    public void Bad_sources_are_refused_with_stable_ids(string what, string id, FailureKind kind)
    {
        var text = Path.Combine(_root, "notes.iso");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("not an image ", 4000)));
        var shortFile = Path.Combine(_root, "short.iso");
        File.WriteAllBytes(shortFile, new byte[100]);
        var spec = what switch
        {
            "missing" => Path.Combine(_root, "nothing-here"),
            "text" => text,
            "short" => shortFile,
            _ => "nfs://server/export/sle",
        };
        var e = Assert.Throws<VirtToolsException>(() => Detect(spec));
        Assert.Equal((id, kind), (e.ErrorId, e.Kind));
        Assert.Contains("Nothing was created", e.Message);
    }

    [Fact]
    public void The_plan_boots_the_installer_once_and_defines_a_guest_that_boots_from_disk()
    {
        var dir = Tree("plan", "boot/x86_64/loader/linux", "boot/x86_64/loader/initrd");
        using var server = new TreeServer(dir, refuseHead: false);
        var plan = Creator().Plan(new GuestRequest
        {
            Name = "it-plan", InstallSource = server.Url, NewDiskSizeBytes = 8L << 20, StoragePool = Pool, NoNetwork = true, KernelArguments = "console=ttyS0",
        });
        var i = plan.Install!;
        Assert.Equal(("/default-pool/it-plan-install-kernel", "/default-pool/it-plan-install-initrd"), (i.KernelPath, i.InitrdPath));
        var final = XElement.Parse(plan.Xml);
        Assert.Null(final.Element("os")!.Element("kernel"));
        Assert.Null(final.Element("os")!.Element("cmdline"));
        Assert.Equal("hd", (string?)final.Element("os")!.Element("boot")!.Attribute("dev"));
        var id = Guid.NewGuid();
        var boot = XElement.Parse(i.BootXmlFor(id));
        Assert.Equal(id.ToString("D"), (string?)boot.Element("uuid"));
        Assert.Equal(i.KernelPath, (string?)boot.Element("os")!.Element("kernel"));
        Assert.Equal(i.InitrdPath, (string?)boot.Element("os")!.Element("initrd"));
        Assert.Equal($"install={server.Url} console=ttyS0", (string?)boot.Element("os")!.Element("cmdline"));
        Assert.Equal(("destroy", "destroy"), ((string?)boot.Element("on_reboot"), (string?)boot.Element("on_poweroff")));
        Assert.Equal(final.Element("devices")!.Elements("disk").Select(d => d.ToString()), boot.Element("devices")!.Elements("disk").Select(d => d.ToString()));
        var said = plan.Describe();
        Assert.Contains("boot/x86_64/loader/linux", said);
        Assert.Contains($"booted once with 'install={server.Url} console=ttyS0'", said);
    }

    [Fact]
    public void An_iso_is_the_cd_of_the_install_boot_only_and_driver_media_a_cd_of_both()
    {
        var b = new CDBuilder { UseJoliet = true, VolumeIdentifier = "RHEL" };
        b.AddFile("images/pxeboot/vmlinuz", Kernel("k"));
        b.AddFile("images/pxeboot/initrd.img", "i"u8.ToArray());
        var iso = Path.Combine(_root, "rhel.iso");
        using (var f = File.Create(iso)) b.Build(f);
        Directory.CreateDirectory(Path.Combine(_root, "isos"));
        File.WriteAllBytes(Path.Combine(_root, "isos", "virtio-win.iso"), new byte[4096]);
        var plan = Creator().Plan(new GuestRequest
        {
            Name = "it-iso", InstallSource = iso, NewDiskSizeBytes = 8L << 20, StoragePool = Pool, NoNetwork = true, DriverMedia = "/isos/virtio-win.iso",
        });
        static IEnumerable<string?> Cds(string xml) => XElement.Parse(xml).Element("devices")!.Elements("disk")
            .Where(d => (string?)d.Attribute("device") == "cdrom").Select(d => (string?)d.Element("source")!.Attribute("file"));
        Assert.Equal([iso, "/isos/virtio-win.iso"], Cds(plan.Install!.BootXml));
        Assert.Equal(["/isos/virtio-win.iso"], Cds(plan.Xml));
        Assert.Equal("inst.repo=cdrom", (string?)XElement.Parse(plan.Install.BootXml).Element("os")!.Element("cmdline"));
    }

    [Theory]
    [InlineData("nodisk", "InstallSourceNeedsDisk")]
    [InlineData("kernel", "InstallSourceAndKernel")]
    [InlineData("arm", "InstallTreeArchitecture")]
    [InlineData("missing", "InstallSourceNotFound")]
    [InlineData("unknown", "InstallTreeUnknown")]
    public void Bad_requests_are_refused_before_anything_is_made(string what, string id)
    {
        var dir = what == "arm" ? Tree("arm", "boot/aarch64/linux", "boot/aarch64/initrd")
            : what == "unknown" ? Tree("unk", "isolinux/linux", "isolinux/initrd")
            : Tree("ok", "casper/vmlinuz", "casper/initrd");
        var before = Volumes();
        var e = Assert.Throws<VirtToolsException>(() => Creator().Plan(new GuestRequest
        {
            Name = "it-bad", InstallSource = what == "missing" ? dir + "-gone" : dir, NoNetwork = true, StoragePool = Pool,
            NewDiskSizeBytes = what == "nodisk" ? null : 8L << 20, Kernel = what == "kernel" ? "/boot/vmlinuz" : null,
        }));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(before, Volumes());
        Assert.Null(_keep.FindDomain("it-bad"));
    }

    [Fact]
    public void A_failed_upload_leaves_no_volume_and_no_definition()
    {
        var dir = Tree("fail", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img");
        var creator = Creator();
        var plan = creator.Plan(new GuestRequest { Name = "it-fail", InstallSource = dir, NewDiskSizeBytes = 8L << 20, StoragePool = Pool, NoNetwork = true });
        var before = Volumes();
        // The test driver has no upload stream: the kernel's upload fails after the disk and the kernel volume exist.
        var e = Assert.Throws<LibvirtException>(() => creator.Create(plan, start: false));
        Assert.Contains("virStorageVolUpload", e.Message);
        Assert.Equal(before, Volumes());
        Assert.Null(_keep.FindDomain("it-fail"));
    }

    [Fact]
    public void The_boot_xml_starts_the_defined_guest_with_the_kernel_and_the_definition_keeps_booting_from_disk()
    {
        // The seam's virDomainCreateXML on a defined guest: what the install boot does once the volumes are uploaded
        // (the test driver opens no files, so neither the disk nor the kernel volume need exist here).
        var dir = Tree("transient", "boot/x86_64/loader/linux", "boot/x86_64/loader/initrd");
        var plan = Creator().Plan(new GuestRequest
        {
            Name = "it-boot", InstallSource = dir, NewDiskSizeBytes = 8L << 20, StoragePool = Pool, NoNetwork = true, Hypervisor = GuestHypervisor.QEMU,
            KernelArguments = "console=ttyS0",
        });
        using var d = _keep.DefineDomain(plan.Xml);
        try
        {
            using (var running = _keep.CreateDomain(plan.Install!.BootXmlFor(d.Uuid)))
                Assert.Equal(d.Uuid, running.Uuid);
            Assert.True(d.IsActive);
            Assert.True(d.IsPersistent);
            Assert.Equal("console=ttyS0", (string?)XElement.Parse(d.GetXml()).Element("os")!.Element("cmdline"));
            Assert.Null(XElement.Parse(d.GetXml(DomainXmlFlags.Inactive)).Element("os")!.Element("kernel"));
        }
        finally
        {
            if (d.IsActive) d.Destroy();
            d.Undefine();
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A directory served over http on 127.0.0.1, as a mirror serves a tree; records the requests.</summary>
    private sealed class TreeServer : IDisposable
    {
        private readonly HttpListener _l = new();
        private readonly string _dir;
        private readonly bool _refuseHead;
        public List<string> Requests { get; } = new();
        public string Url { get; }

        public TreeServer(string dir, bool refuseHead)
        {
            _dir = dir;
            _refuseHead = refuseHead;
            Url = $"http://127.0.0.1:{FreePort()}/";
            _l.Prefixes.Add(Url);
            _l.Start();
            _ = Task.Run(Serve);
        }

        private async Task Serve()
        {
            while (_l.IsListening)
            {
                HttpListenerContext c;
                try { c = await _l.GetContextAsync(); }
                catch (Exception) { return; }
                var path = c.Request.Url!.AbsolutePath;
                lock (Requests) Requests.Add($"{c.Request.HttpMethod} {path}");
                var relative = path.StartsWith("/repo/oss/") ? path["/repo/oss/".Length..] : path.TrimStart('/');
                var file = Path.Combine(_dir, relative);
                if (_refuseHead && c.Request.HttpMethod == "HEAD") c.Response.StatusCode = 405;
                else if (!File.Exists(file)) c.Response.StatusCode = 404;
                else
                {
                    var data = File.ReadAllBytes(file);
                    c.Response.ContentLength64 = data.Length;
                    if (c.Request.HttpMethod == "GET") await c.Response.OutputStream.WriteAsync(data);
                }
                c.Response.Close();
            }
        }

        public void Dispose() => _l.Close();
    }
}
