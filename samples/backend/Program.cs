using Loom.SampleBackend;

var app = SampleBackendApp.Build(args);
app.Run();
