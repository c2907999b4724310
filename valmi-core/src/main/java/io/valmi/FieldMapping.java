package io.valmi;

/**
 * One mapped column: a source column and the name of the field it becomes at the destination.
 *
 * @param sourceColumn the column's name in the source, exactly as the source spells it
 * @param destinationField the field's name at the destination
 */
public record FieldMapping(String sourceColumn, String destinationField) {
    /**
     * Validates both names.
     *
     * @param sourceColumn the column's name in the source, exactly as the source spells it
     * @param destinationField the field's name at the destination
     */
    public FieldMapping {
        Mapping.requireName(sourceColumn, "source column");
        Mapping.requireName(destinationField, "destination field for column '" + sourceColumn + "'");
    }
}
