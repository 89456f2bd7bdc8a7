using Loom.Storage.Stores;

namespace Loom.Storage.Tests.Stores;

public sealed class TableKeyTests
{
    [Theory]
    [InlineData("a/b\\c#d?e%f|g")]
    [InlineData("\u0000\t\n\u007f\u009f")]
    [InlineData("ünïcødé 雪 🎉")]
    public void Encode_ForbiddenCharacters_RemovedAndDecodedBack(string id)
    {
        var key = TableKey.Encode(id);
        Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' or '|' || char.IsControl(c));
        Assert.Equal(id, TableKey.Decode(key));
    }

    [Fact]
    public void Encode_EveryCharacter_EscapedExactlyWhenForbiddenAndPlainIdsKeptAsTheyAre()
    {
        // Plain ids take a fast path that returns the id itself: it must agree with the escaping rule for every character.
        for (var c = char.MinValue; c < char.MaxValue; c++)
        {
            var id = $"run-{c}-1";
            var escaped = c is '/' or '\\' or '#' or '?' or '%' or TableKey.Separator || char.IsControl(c);
            var key = TableKey.Encode(id);
            Assert.True(escaped ? key == $"run-%{(int)c:X2}-1" : key == id, $"U+{(int)c:X4} gave '{key}'");
        }
    }

    [Fact]
    public void Encode_LongIds_ShortenedDistinctAndWithinLimit()
    {
        var a = TableKey.Encode(new string('a', 2000) + "1");
        var b = TableKey.Encode(new string('a', 2000) + "2");
        Assert.True(a.Length <= TableKey.MaxLength);
        Assert.NotEqual(a, b);
        Assert.Equal(a, TableKey.Encode(new string('a', 2000) + "1"));
    }

    [Fact]
    public void NewestFirst_LaterInstant_SortsBefore()
    {
        var early = TableKey.NewestFirst(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var late = TableKey.NewestFirst(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero));
        Assert.True(string.CompareOrdinal(late, early) < 0);
        Assert.Equal(19, early.Length);
    }
}
