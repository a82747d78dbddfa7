using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

/// <summary>virTypedParameter arrays: built with libvirt's own virTypedParamsAdd*, read field by field.</summary>
internal static unsafe class TypedParams
{
    public static (IntPtr Params, int Count) Build(IReadOnlyDictionary<string, object> values)
    {
        IntPtr p = IntPtr.Zero;
        int n = 0, max = 0;
        try
        {
            foreach (var (k, v) in values)
            {
                var rc = v switch
                {
                    string s => virTypedParamsAddString(ref p, ref n, ref max, k, s),
                    int i => virTypedParamsAddInt(ref p, ref n, ref max, k, i),
                    uint u => virTypedParamsAddUInt(ref p, ref n, ref max, k, u),
                    long l => virTypedParamsAddLLong(ref p, ref n, ref max, k, l),
                    ulong ul => virTypedParamsAddULLong(ref p, ref n, ref max, k, ul),
                    double d => virTypedParamsAddDouble(ref p, ref n, ref max, k, d),
                    bool b => virTypedParamsAddBoolean(ref p, ref n, ref max, k, b ? 1 : 0),
                    _ => throw new ArgumentException($"typed parameter '{k}': unsupported value type {v?.GetType().Name ?? "null"}", nameof(values)),
                };
                if (rc < 0) throw NativeConnection.Fail("virTypedParamsAdd", k);
            }
            return (p, n);
        }
        catch
        {
            virTypedParamsFree(p, n);
            throw;
        }
    }

    public static Dictionary<string, object> Read(IntPtr p, int n)
    {
        var d = new Dictionary<string, object>(StringComparer.Ordinal);
        var a = (TypedParameter*)p;
        for (var i = 0; i < n; i++)
        {
            var name = Marshal.PtrToStringUTF8((IntPtr)a[i].Field) ?? "";
            var raw = a[i].Value;
            object v = a[i].Type switch
            {
                1 => (int)raw,
                2 => (uint)raw,
                3 => raw,
                4 => (ulong)raw,
                5 => BitConverter.Int64BitsToDouble(raw),
                6 => (int)raw != 0,
                7 => Marshal.PtrToStringUTF8((IntPtr)raw) ?? "",
                _ => raw,
            };
            d[name] = v;
        }
        return d;
    }
}
