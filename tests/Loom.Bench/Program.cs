using Loom.Bench;

return await BenchProgram.RunAsync(args);
