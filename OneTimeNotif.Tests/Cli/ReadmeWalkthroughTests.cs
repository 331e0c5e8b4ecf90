using System.Text;
using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Cli;

/// <summary>
/// The README's "Try it by hand" commands, read from README.md and run in order against the standalone host, so the
/// steps a newcomer copies keep working. The sample Page is swapped for a Page of the test's own.
/// </summary>
[Collection(UsesOperatorTools.Name)]
public sealed class ReadmeWalkthroughTests(AzuriteFixture storage) : IAsyncLifetime
{
    private const string SamplePage = "1234567890";
    private OtnCommandLine _otn = null!;

    public async Task InitializeAsync() => _otn = await OtnCommandLine.StartAsync(storage.Azurite);

    public async Task DisposeAsync() => await _otn.DisposeAsync();

    [Fact]
    public async Task EveryOtnCommandOfTheReadmeWalkthroughSucceedsInOrder()
    {
        var commands = WalkthroughCommands();
        Assert.Contains(commands, c => c[0] == "demo");
        Assert.Contains(commands, c => c[0] == "request");
        Assert.Contains(commands, c => c[0] == "simulate");
        Assert.Contains(commands, c => c[0] == "followup");

        foreach (var command in commands)
        {
            var run = await _otn.RunAsync([.. command.Select(a => a == SamplePage ? _otn.Page : a)]);
            Assert.True(run.ExitCode == 0, $"otn {string.Join(' ', command)}: {run.Error}{run.Output}");
        }

        // The demo's request and its two users, then the walkthrough's request and its two users: each told once.
        Assert.Equal(6, _otn.Fake.Deliveries.Count);
        Assert.Equal(2, _otn.Fake.Deliveries.Count(d => d.Token is null));
        Assert.Equal(2, _otn.Fake.Deliveries.Count(d => d.Message["text"]?.GetValue<string>() == "Back in stock!"));
    }

    /// <summary>The arguments of each <c>scripts/otn</c> line in the section's shell block.</summary>
    private static List<string[]> WalkthroughCommands()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var section = readme[readme.IndexOf("## Try it by hand", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```sh", StringComparison.Ordinal) + 5)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        return [.. block.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("scripts/otn ", StringComparison.Ordinal))
            .Select(line => ShellWords(line).Skip(1).ToArray())];
    }

    /// <summary>Words as a shell splits them, for the README's simple lines: double quotes group, # starts a comment.</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool quoted = false, inWord = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
            }
            else if (!quoted && c == '#')
            {
                break;
            }
            else if (!quoted && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("No repository root above " + AppContext.BaseDirectory);
    }
}
