package dev.memwall.estimator.units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AsciiNumbersTest {

    /** Each of these is a number to Long.parseLong (Arabic-Indic, Devanagari, fullwidth digits, a plus sign). */
    @ParameterizedTest
    @ValueSource(strings = {"\u0661\u0660\u0660", "\u0967\u0966", "\uff11\uff12", "+4", "", "-", "1 ", "0x10", "1e3"})
    void onlyAsciiDigitsAreNumbers(String text) {
        assertThat(AsciiNumbers.isWholeNumber(text)).isFalse();
        assertThatThrownBy(() -> AsciiNumbers.parseLong(text)).isInstanceOf(NumberFormatException.class)
                .hasMessage("'" + text + "' is not a whole number in ASCII digits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "100", "-1", "9223372036854775807", "-9223372036854775808"})
    void asciiNumbersReadAsJavaReadsThem(String text) {
        assertThat(AsciiNumbers.parseLong(text)).isEqualTo(Long.parseLong(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775808", "2147483648"})
    void numbersPastTheTypeAreRefused(String text) {
        assertThatThrownBy(() -> AsciiNumbers.parseInt(text)).isInstanceOf(NumberFormatException.class);
    }
}
