namespace Apperate.Actors.Gateway; internal static class Placeholder { }
