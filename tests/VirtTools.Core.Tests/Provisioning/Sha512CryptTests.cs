using System.Text;
using VirtTools.Provisioning;

namespace VirtTools.Tests.Provisioning;

public sealed class Sha512CryptTests
{
    // The test vectors published with the algorithm (Drepper, "Unix crypt using SHA-256 and SHA-512").
    [Theory]
    [InlineData("Hello world!", "saltstring", 5000, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")]
    [InlineData("Hello world!", "saltstringsaltstring", 10000, "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.")]
    [InlineData("This is just a test", "toolongsaltstring", 5000, "$6$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0")]
    public void Published_vectors(string password, string salt, int rounds, string expected) =>
        Assert.Equal(expected, Sha512Crypt.Hash(Encoding.UTF8.GetBytes(password), salt, rounds));

    [Fact]
    public void A_random_salt_hash_is_a_6_crypt_string_that_rehashes_the_same_with_its_salt()
    {
        var pw = Encoding.UTF8.GetBytes("s3cret pässword");
        var h = Sha512Crypt.Hash(pw);
        var parts = h.Split('$');
        Assert.Equal(["", "6"], parts[..2]);
        Assert.Equal(16, parts[2].Length);
        Assert.Equal(86, parts[3].Length);
        Assert.Equal(h, Sha512Crypt.Hash(pw, parts[2]));
        Assert.NotEqual(h, Sha512Crypt.Hash(pw));
    }
}
