using System.CommandLine;
using Starling.Storage.Sqlite;

namespace Starling.Cli;

/// <summary>
/// <c>starling store check</c> and <c>starling store repair</c>: the recovery path for a damaged durable store.
/// Exit codes: 0 healthy / repaired, 1 damage found, 2 bad arguments.
/// </summary>
internal static class StoreCommand
{
    public static Command Create()
    {
        var check = new Command("check", "Check the store for damage (full SQLite integrity check) and print its contents' size.");
        var repair = new Command("repair", "Move a damaged store aside (kept as starling.db.damaged-TIME) and start a new one with every readable row.");
        foreach (var command in new[] { check, repair })
        {
            command.Options.Add(new Option<string>("--data-dir", "-d") { Description = "Directory of the store (default ./data).", DefaultValueFactory = _ => "data" });
        }

        check.SetAction(result => Check(StorePath(result, check)));
        repair.SetAction(result => Repair(StorePath(result, repair)));
        return new Command("store", "Inspect and repair the durable store.") { check, repair };
    }

    private static string StorePath(ParseResult result, Command command) =>
        Path.Combine(result.GetValue<string>("--data-dir") ?? "data", SqliteStore.FileName);

    private static int Check(string path)
    {
        var result = StoreDoctor.Check(path);
        if (!result.Exists)
        {
            Console.WriteLine($"{result.Path}: no store yet (one is created at start-up)");
            return 0;
        }

        Console.WriteLine(result.SchemaVersion < 0 ? $"{result.Path}: unreadable" : $"{result.Path}: schema version {result.SchemaVersion}");
        foreach (var (table, rows) in result.Rows)
        {
            Console.WriteLine($"  {table}: {rows} rows");
        }

        if (result.Healthy)
        {
            Console.WriteLine("ok");
            return 0;
        }

        foreach (var problem in result.Problems.Take(20))
        {
            Console.WriteLine($"damaged: {problem}");
        }

        Console.WriteLine($"Run 'starling store repair --data-dir {Path.GetDirectoryName(result.Path)}' to move it aside and keep every readable row.");
        return 1;
    }

    private static int Repair(string path)
    {
        var before = StoreDoctor.Check(path);
        if (before.Exists && before.Healthy)
        {
            Console.WriteLine($"{before.Path}: healthy, nothing to repair");
            return 0;
        }

        var result = StoreDoctor.Repair(path);
        if (result.DamagedCopy is not null)
        {
            Console.WriteLine($"moved the damaged store to {result.DamagedCopy}");
        }

        foreach (var (table, rows) in result.Recovered)
        {
            Console.WriteLine($"  {table}: {rows} rows recovered");
        }

        foreach (var problem in result.Problems)
        {
            Console.WriteLine($"lost: {problem}");
        }

        Console.WriteLine($"{result.Path}: new store ready");
        return 0;
    }
}
