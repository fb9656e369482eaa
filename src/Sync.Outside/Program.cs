using Sync.Outside;

return await OutsideCommands.RunAsync(args);
