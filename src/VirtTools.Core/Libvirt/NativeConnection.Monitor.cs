using System.Globalization;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed unsafe partial class NativeConnection
{
    public long GetFreeMemoryBytes()
    {
        // 0 is libvirt's error value; a host with no free byte at all is not a case worth telling apart.
        var free = virNodeGetFreeMemory(_h);
        return free == 0 ? throw Fail("virNodeGetFreeMemory", () => Uri) : (long)free;
    }

    public IReadOnlyList<LibvirtPageCount> GetHugePages()
    {
        var cells = XDocument.Parse(GetCapabilities()).Root?.Element("host")?.Element("topology")?.Element("cells")?.Elements("cell").ToList()
                    ?? new List<XElement>();
        var totals = new SortedDictionary<uint, long>();
        var basePages = new HashSet<uint>();
        foreach (var cell in cells)
        {
            var pages = cell.Elements("pages").Select(p =>
                (Kib: uint.TryParse((string?)p.Attribute("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : 0u,
                 Count: long.TryParse(p.Value, out var n) ? n : 0)).Where(p => p.Kib > 0).ToList();
            if (pages.Count > 0) basePages.Add(pages.Min(p => p.Kib)); // each cell's smallest page is the base page, no huge page
            foreach (var (kib, count) in pages) totals[kib] = (totals.TryGetValue(kib, out var t) ? t : 0) + count;
        }
        foreach (var b in basePages) totals.Remove(b);
        if (totals.Count == 0 || cells.Count == 0) return Array.Empty<LibvirtPageCount>();

        var sizes = totals.Keys.ToArray();
        var counts = new ulong[sizes.Length * cells.Count];
        int got;
        fixed (uint* ps = sizes)
        fixed (ulong* cs = counts)
            got = virNodeGetFreePages(_h, (uint)sizes.Length, ps, 0, (uint)cells.Count, cs, 0);
        if (got < 0) virResetLastError(); // a driver without free-page counts still has totals to show
        return sizes.Select((kib, i) => new LibvirtPageCount((long)kib * 1024, totals[kib],
            got < 0 ? null : Enumerable.Range(0, cells.Count).Sum(c => (long)counts[c * sizes.Length + i]))).ToList();
    }

    public IReadOnlyList<LibvirtDomainStats> GetDomainStats(DomainStatsTypes types, DomainListFlags flags, IReadOnlyList<ILibvirtDomain>? domains = null)
    {
        IntPtr list;
        int n;
        if (domains is null)
        {
            n = virConnectGetAllDomainStats(_h, (uint)types, out list, (uint)flags);
            if (n < 0) throw Fail("virConnectGetAllDomainStats", () => Uri);
        }
        else
        {
            // virDomainListGetStats wants a NULL-terminated array of the guests' pointers.
            var handles = domains.Select(d => ((NativeDomain)d).Handle).ToList();
            var ptrs = new IntPtr[handles.Count + 1];
            var refs = new bool[handles.Count];
            try
            {
                for (var i = 0; i < handles.Count; i++)
                {
                    handles[i].DangerousAddRef(ref refs[i]);
                    ptrs[i] = handles[i].DangerousGetHandle();
                }
                fixed (IntPtr* p = ptrs) n = virDomainListGetStats(p, (uint)types, out list, (uint)flags);
            }
            finally
            {
                for (var i = 0; i < handles.Count; i++) if (refs[i]) handles[i].DangerousRelease();
            }
            if (n < 0) throw Fail("virDomainListGetStats", () => Uri);
        }
        try
        {
            var result = new List<LibvirtDomainStats>(n);
            var recs = (DomainStatsRecord**)list;
            var uuid = stackalloc byte[37];
            for (var i = 0; i < n; i++)
            {
                var r = recs[i];
                var name = BorrowString(virDomainGetName(r->Dom)) ?? "";
                var id = virDomainGetUUIDString(r->Dom, uuid) == 0 && Guid.TryParse(Marshal.PtrToStringUTF8((IntPtr)uuid), out var g) ? g : Guid.Empty;
                result.Add(new LibvirtDomainStats(name, id, TypedParams.Read(r->Params, r->NParams)));
            }
            return result;
        }
        finally { virDomainStatsRecordListFree(list); }
    }

    public IGuestStateWatch WatchState(ILibvirtDomain domain) => new NativeStateWatch(Uri, domain.Uuid);
}
