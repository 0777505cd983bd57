package dev.jmesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.agent.internal.ReferenceCheck.Reference;
import dev.jmesh.agent.internal.fixtures.ClassLiteralHelper;
import dev.jmesh.agent.internal.fixtures.GreetingBase;
import dev.jmesh.agent.internal.fixtures.GreetingHelper;
import dev.jmesh.agent.internal.fixtures.GreetingLibrary;
import dev.jmesh.agent.internal.fixtures.MethodReferenceHelper;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Ownership;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ByteArrayClassLoader;
import net.bytebuddy.implementation.FixedValue;
import org.junit.jupiter.api.Test;

class ReferenceCheckTest {

  private static final String LIBRARY = GreetingLibrary.class.getName();
  private static final String LIBRARY_INTERNAL = LIBRARY.replace('.', '/');

  private static byte[] bytesOf(Class<?> type) throws IOException {
    String resource = type.getName().replace('.', '/') + ".class";
    try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
      return in.readAllBytes();
    }
  }

  private static List<Reference> check(Class<?> helper, ClassLoader target) throws IOException {
    return ReferenceCheck.missing(List.of(bytesOf(helper)), Set.of(helper.getName()), target);
  }

  /** A GreetingLibrary built by ByteBuddy: public, extends GreetingBase, default constructor. */
  private static DynamicType.Builder<GreetingBase> libraryVariant() {
    return new ByteBuddy().subclass(GreetingBase.class).name(LIBRARY);
  }

  /**
   * A fresh class loader that sees only the JDK, the real GreetingBase and {@code library} as
   * GreetingLibrary (or no GreetingLibrary at all when {@code library} is null).
   */
  private static ClassLoader loaderWith(DynamicType.Builder<?> library) throws IOException {
    Map<String, byte[]> types = new HashMap<>();
    types.put(GreetingBase.class.getName(), bytesOf(GreetingBase.class));
    if (library != null) {
      try (DynamicType.Unloaded<?> unloaded = library.make()) {
        types.put(LIBRARY, unloaded.getBytes());
      }
    }
    return new ByteArrayClassLoader(ClassLoader.getPlatformClassLoader(), types,
        ByteArrayClassLoader.PersistenceHandler.MANIFEST);
  }

  private static DynamicType.Builder<GreetingBase> withPrefixField(
      DynamicType.Builder<GreetingBase> builder) {
    return builder.defineField("prefix", String.class, Visibility.PUBLIC);
  }

  private static DynamicType.Builder<GreetingBase> withGreet(
      DynamicType.Builder<GreetingBase> builder) {
    return builder.defineMethod("greet", String.class, Visibility.PUBLIC, Ownership.STATIC)
        .withParameters(String.class)
        .intercept(FixedValue.value("hi"));
  }

  /** A helper whose only library is the JDK, with primitive arrays where the check parses types. */
  static final class PrimitiveArrays {
    static final java.util.function.IntFunction<byte[]> BUFFERS = byte[]::new;

    static int[][] grid(long[] sizes) {
      return new int[sizes.length][2];
    }
  }

  @Test
  void primitiveArraysReferenceNoClass() throws Exception {
    // byte[]::new is an invokedynamic whose descriptor returns [B: no class named "B" is needed.
    assertThat(check(PrimitiveArrays.class, ClassLoader.getPlatformClassLoader())).isEmpty();
  }

  @Test
  void helperRefsResolveAgainstTheTestClassLoader() throws Exception {
    assertThat(check(GreetingHelper.class, GreetingHelper.class.getClassLoader())).isEmpty();
    assertThat(GreetingHelper.run("bob")).containsExactly("hello bob", "hello 1");
  }

  @Test
  void aFaithfulRebuildOfTheLibrarySatisfiesTheHelper() throws Exception {
    // The control for the tests below: the fresh loader itself is not what makes them fail.
    assertThat(check(GreetingHelper.class, loaderWith(withGreet(withPrefixField(libraryVariant())))))
        .isEmpty();
  }

  @Test
  void reportsAMethodTheLibraryLacks() throws Exception {
    ClassLoader target = loaderWith(withPrefixField(libraryVariant()));
    Class<?> loaded = target.loadClass(LIBRARY);
    assertThat(loaded.getClassLoader()).isSameAs(target);
    assertThatThrownBy(() -> loaded.getMethod("greet", String.class))
        .isInstanceOf(NoSuchMethodException.class);

    List<Reference> missing = check(GreetingHelper.class, target);
    assertThat(missing)
        .containsExactly(
            new Reference(LIBRARY_INTERNAL, "greet", "(Ljava/lang/String;)Ljava/lang/String;",
                false));
    assertThat(missing.get(0))
        .hasToString(LIBRARY + "#greet(Ljava/lang/String;)Ljava/lang/String;");
  }

  @Test
  void reportsAMethodWhoseDescriptorChanged() throws Exception {
    DynamicType.Builder<GreetingBase> greetTakesObject =
        withPrefixField(libraryVariant())
            .defineMethod("greet", String.class, Visibility.PUBLIC, Ownership.STATIC)
            .withParameters(Object.class)
            .intercept(FixedValue.value("hi"));
    assertThat(check(GreetingHelper.class, loaderWith(greetTakesObject)))
        .extracting(Reference::toString)
        .containsExactly(LIBRARY + "#greet(Ljava/lang/String;)Ljava/lang/String;");
  }

  @Test
  void reportsAFieldTheLibraryLacks() throws Exception {
    assertThat(check(GreetingHelper.class, loaderWith(withGreet(libraryVariant()))))
        .containsExactly(new Reference(LIBRARY_INTERNAL, "prefix", "Ljava/lang/String;", true))
        .extracting(Reference::toString)
        .containsExactly(LIBRARY + ".prefix" + "Ljava/lang/String;");
  }

  @Test
  void reportsAMissingClass() throws Exception {
    List<Reference> missing = check(GreetingHelper.class, loaderWith(null));
    assertThat(missing).isNotEmpty();
    assertThat(missing.get(0)).hasToString(LIBRARY);
    assertThat(missing).allSatisfy(ref -> assertThat(ref.owner()).isEqualTo(LIBRARY_INTERNAL));
  }

  @Test
  void reportsAMissingClassOnce() throws Exception {
    // HelperInjector logs "lacks <first> and N more references": N should count distinct gaps.
    assertThat(check(GreetingHelper.class, loaderWith(null)))
        .containsExactly(new Reference(LIBRARY_INTERNAL, null, null, false));
  }

  @Test
  void helpersAndTheirOwnReferencesAreNotChecked() throws Exception {
    // GreetingLibrary is missing from the target, but it is declared as one of the helpers.
    List<Reference> missing =
        ReferenceCheck.missing(List.of(bytesOf(GreetingHelper.class)),
            Set.of(GreetingHelper.class.getName(), LIBRARY), loaderWith(null));
    assertThat(missing).isEmpty();
  }

  @Test
  void jdkReferencesAreNotCheckedEvenAgainstAnEmptyLoader() throws Exception {
    // The boot loader has none of the test classes: only the library references may be missing.
    assertThat(ReferenceCheck.missing(List.of(bytesOf(GreetingHelper.class)),
            Set.of(GreetingHelper.class.getName()), null))
        .isNotEmpty()
        .allSatisfy(ref -> assertThat(ref.owner()).startsWith("dev/jmesh/agent/internal/fixtures/"));
  }

  @Test
  void methodReferenceToAMissingMethodIsReported() throws Exception {
    assertThat(check(MethodReferenceHelper.class, MethodReferenceHelper.class.getClassLoader()))
        .isEmpty();
    assertThat(check(MethodReferenceHelper.class, loaderWith(withPrefixField(libraryVariant()))))
        .extracting(Reference::toString)
        .contains(LIBRARY + "#greet(Ljava/lang/String;)Ljava/lang/String;");
  }

  @Test
  void classLiteralOfAMissingClassIsReported() throws Exception {
    assertThat(check(ClassLiteralHelper.class, ClassLiteralHelper.class.getClassLoader()))
        .isEmpty();
    assertThat(check(ClassLiteralHelper.class, loaderWith(null)))
        .extracting(Reference::toString)
        .contains(LIBRARY);
  }
}
