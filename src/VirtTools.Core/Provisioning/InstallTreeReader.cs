using DiscUtils;
using DiscUtils.Iso9660;

namespace VirtTools.Provisioning;

/// <summary>
/// Reads files of an install tree by their path in the tree ("boot/x86_64/loader/linux"), wherever the tree
/// is: a directory or an ISO on the machine running PowerShell, or an http(s) URL. Reads only.
/// </summary>
public interface IInstallTreeReader : IDisposable
{
    /// <summary>As the user gave it, an http(s) URL with a trailing '/'.</summary>
    string Location { get; }
    InstallSourceKind Kind { get; }
    /// <summary>The file's size, or null when the tree has no such file.</summary>
    long? Length(string relative);
    /// <summary>The file's bytes from the start, and how many there are.</summary>
    Stream Open(string relative, out long length);
}

public static class InstallTreeReader
{
    private const int IsoProbeBytes = 32774;

    /// <summary>
    /// A reader for <paramref name="spec"/>: a URL (http, https, file) or an absolute local path of a
    /// directory or an ISO 9660 image. Refuses what does not exist and a file that is not ISO 9660.
    /// </summary>
    public static IInstallTreeReader Open(string spec)
    {
        if (System.Uri.TryCreate(spec, UriKind.Absolute, out var u) && !spec.StartsWith('/'))
        {
            if (u.Scheme is "http" or "https") return new UrlTreeReader(spec);
            if (u.Scheme == "file") return OpenLocal(u.LocalPath, spec);
            throw new VirtToolsException("InstallSourceUnsupported", FailureKind.InvalidArgument,
                $"-InstallSource {spec}: New-VMGuest reads install trees over http, https and file URLs, not {u.Scheme}. Nothing was created.", spec,
                "Give the tree's http(s) URL, a local directory, or the install ISO's path.");
        }
        return OpenLocal(spec, spec);
    }

    private static IInstallTreeReader OpenLocal(string path, string spec)
    {
        if (Directory.Exists(path)) return new DirectoryTreeReader(path);
        if (!File.Exists(path))
            throw new VirtToolsException("InstallSourceNotFound", FailureKind.ObjectNotFound,
                $"-InstallSource {spec} does not exist on this machine. Nothing was created.", spec,
                "Give the path of an install ISO or of an unpacked install tree, or the tree's http(s) URL.");
        FileStream f;
        try { f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VirtToolsException("InstallSourceNotReadable", FailureKind.PermissionDenied, $"-InstallSource {spec} cannot be read: {e.Message} Nothing was created.",
                spec, "Make the ISO readable by the user running PowerShell (and by QEMU, which reads it as a CD).", e);
        }
        try
        {
            var head = new byte[IsoProbeBytes];
            var n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            f.Position = 0;
            if (Storage.VolumeImporter.Probe(head.AsSpan(0, n)) != "iso")
                throw new VirtToolsException("InstallSourceNotIso9660", FailureKind.InvalidData,
                    $"-InstallSource {spec} is a file but not an ISO 9660 image (no CD001 descriptor at 32 KiB). Nothing was created.", spec,
                    "Give a distribution's install ISO (e.g. SLE-15-SP6-Full-x86_64-GM-Media1.iso), an unpacked tree's directory, or its URL.");
            return new IsoTreeReader(f, Path.GetFullPath(path));
        }
        catch
        {
            f.Dispose();
            throw;
        }
    }

    private sealed class DirectoryTreeReader(string root) : IInstallTreeReader
    {
        public string Location { get; } = Path.GetFullPath(root);
        public InstallSourceKind Kind => InstallSourceKind.Directory;

        public long? Length(string relative)
        {
            var f = new FileInfo(Path.Combine(Location, relative));
            return f.Exists ? f.Length : null;
        }

        public Stream Open(string relative, out long length)
        {
            var s = File.OpenRead(Path.Combine(Location, relative));
            length = s.Length;
            return s;
        }

        public void Dispose() { }
    }

    /// <summary>
    /// An ISO through DiscUtils: Joliet names when the image has them (install ISOs do), else the primary
    /// descriptor's upper-case names, matched without regard to case and without ";1".
    /// </summary>
    private sealed class IsoTreeReader(FileStream file, string path) : IInstallTreeReader
    {
        private readonly CDReader _cd = OpenCd(file, path);
        public string Location => path;
        public InstallSourceKind Kind => InstallSourceKind.Iso;

        private static CDReader OpenCd(FileStream file, string path)
        {
            try { return new CDReader(file, true); }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or IndexOutOfRangeException)
            {
                throw new VirtToolsException("InstallSourceNotIso9660", FailureKind.InvalidData, $"-InstallSource {path} cannot be read as ISO 9660: {e.Message} Nothing was created.",
                    path, "Give an intact install ISO (check its checksum).", e);
            }
        }

        private DiscFileInfo? Find(string relative)
        {
            var dir = _cd.Root;
            var parts = relative.Split('/');
            for (var i = 0; i < parts.Length - 1; i++)
            {
                dir = dir.GetDirectories().FirstOrDefault(d => Same(d.Name, parts[i]));
                if (dir is null) return null;
            }
            return dir.GetFiles().FirstOrDefault(f => Same(f.Name, parts[^1]));
        }

        private static bool Same(string isoName, string wanted)
        {
            var n = isoName;
            var semi = n.IndexOf(';');
            if (semi >= 0) n = n[..semi];
            n = n.TrimEnd('.');
            // Without Joliet or Rock Ridge, mastering tools write '-' (no ISO 9660 d-character) as '_'.
            return string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(n, wanted.Replace('-', '_'), StringComparison.OrdinalIgnoreCase);
        }

        public long? Length(string relative) => Find(relative)?.Length;

        public Stream Open(string relative, out long length)
        {
            var f = Find(relative) ?? throw new FileNotFoundException($"{relative} is not in {path}");
            length = f.Length;
            return f.OpenRead();
        }

        public void Dispose()
        {
            _cd.Dispose();
            file.Dispose();
        }
    }

    /// <summary>
    /// A tree on a web server. Files are looked up with HEAD (a GET whose body is not read when the server
    /// refuses HEAD) and fetched whole into a temporary file that goes away with the stream, so an upload
    /// starts only once the download is complete and its length known.
    /// </summary>
    private sealed class UrlTreeReader : IInstallTreeReader
    {
        private readonly HttpClient _http;
        private readonly System.Uri _base;

        public UrlTreeReader(string url)
        {
            Location = url.EndsWith('/') ? url : url + "/";
            _base = new System.Uri(Location);
            // Generous: an installer's initrd is up to a few hundred MB on a slow mirror.
            _http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        }

        public string Location { get; }
        public InstallSourceKind Kind => InstallSourceKind.Url;

        public long? Length(string relative)
        {
            var u = new System.Uri(_base, relative);
            try
            {
                using (var head = _http.Send(new HttpRequestMessage(HttpMethod.Head, u)))
                {
                    if (head.IsSuccessStatusCode && head.Content.Headers.ContentLength is long n) return n;
                    if (head.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Gone or System.Net.HttpStatusCode.Forbidden) return null;
                }
                using var get = _http.Send(new HttpRequestMessage(HttpMethod.Get, u), HttpCompletionOption.ResponseHeadersRead);
                if (!get.IsSuccessStatusCode) return null;
                return get.Content.Headers.ContentLength ?? -1;
            }
            catch (HttpRequestException e) { throw Unreachable(u, e); }
            catch (TaskCanceledException e) { throw Unreachable(u, e); }
        }

        public Stream Open(string relative, out long length)
        {
            var u = new System.Uri(_base, relative);
            var temp = Path.Combine(Path.GetTempPath(), "virttools-install-" + Guid.NewGuid().ToString("N"));
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            try
            {
                using var get = _http.Send(new HttpRequestMessage(HttpMethod.Get, u), HttpCompletionOption.ResponseHeadersRead);
                if (!get.IsSuccessStatusCode)
                    throw new VirtToolsException("InstallSourceNotFound", FailureKind.ObjectNotFound, $"{u} answered {(int)get.StatusCode} {get.ReasonPhrase}. Nothing was created.",
                        u.ToString(), "Check the URL in a browser; the tree may have moved.");
                using (var body = get.Content.ReadAsStream()) body.CopyTo(file);
                if (get.Content.Headers.ContentLength is long expected && expected != file.Length)
                    throw new VirtToolsException("InstallSourceTruncated", FailureKind.ReadError,
                        $"{u} sent {file.Length} of {expected} bytes. Nothing was created.", u.ToString(), "Run New-VMGuest again.");
                length = file.Length;
                file.Position = 0;
                return file;
            }
            catch (Exception e)
            {
                file.Dispose();
                if (e is HttpRequestException or TaskCanceledException or IOException) throw Unreachable(u, e);
                throw;
            }
        }

        private static VirtToolsException Unreachable(System.Uri u, Exception e) =>
            new("InstallSourceUnreachable", FailureKind.ResourceUnavailable, $"{u} cannot be read: {e.Message} Nothing was created.", u.ToString(),
                "Check the URL and this machine's network (and proxy: HTTPS_PROXY/HTTP_PROXY), then run New-VMGuest again.", e);

        public void Dispose() => _http.Dispose();
    }
}
